// The battery every config-bound string must survive: each of these would change the structure
// of an Asterisk config file or a dialplan line if it got through.
export const HOSTILE: readonly string[] = [
  'a\nb',
  'a\rb',
  'x;comment',
  '[section]',
  'a]b',
  '#include /etc/passwd',
  '#exec /bin/sh',
  '${SHELL(id)}',
  '$[1+1]',
  'nul\0byte',
];

// it.each rows: each value with a short printable label for the test's name.
export const labelled = (values: readonly string[]): Array<[string, string]> =>
  values.map((v) => [JSON.stringify(v).slice(0, 30), v]);
