import { csvCell, toCsv } from './csv';

test('cells a spreadsheet would run as formulas are neutralised with a leading apostrophe', () => {
  expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
  expect(csvCell('+33155501')).toBe("'+33155501");
  expect(csvCell('-2+3')).toBe("'-2+3");
  expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
  expect(csvCell('\tcmd')).toBe("'\tcmd");
  expect(csvCell('\rcmd')).toBe(`"'\rcmd"`);
});

test('numbers stay numbers, empty values are empty, commas, quotes and newlines are quoted', () => {
  expect(csvCell(-1.5)).toBe('-1.5');
  expect(csvCell(null)).toBe('');
  expect(csvCell(Number.NaN)).toBe('');
  expect(csvCell('Sales, Paris')).toBe('"Sales, Paris"');
  expect(csvCell('a "b"')).toBe('"a ""b"""');
  expect(csvCell('two\nlines')).toBe('"two\nlines"');
  expect(
    toCsv(
      ['k', 'v'],
      [
        ['a', 1],
        ['b', null],
      ],
    ),
  ).toBe('k,v\r\na,1\r\nb,\r\n');
});
