import { startTestApp, type TestApp, useTestApp } from '../../test/support/app';

const app = useTestApp();

const csv = (rows: string[]) =>
  [
    'number,display_name,caller_id_name,caller_id_number,email,sip_secret,max_contacts,codecs,voicemail_enabled',
    ...rows,
  ].join('\n');
const importCsv = (body: string, query = '') =>
  app.api('POST', `/api/v1/extensions/import${query}`, { body, contentType: 'text/csv' });

describe('CSV import', () => {
  it('a dry run reports every bad row and imports nothing', async () => {
    const res = await importCsv(
      csv([
        '4001,Good Row,,,good@example.com,,1,ulaw|alaw,no',
        '4002,"Bad\nName",,,,,1,,no',
        '40x3,Bad Number,,,,,1,,no',
        '4001,Duplicate,,,,,1,,no',
        '4005,Bad Email,,,"x@y.com\nBcc: z@w.com",,1,,no',
      ]),
      '?dry_run=true',
    );
    expect(res.status).toBe(400);
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['row 3: display_name', 'row 4: number', 'row 5: number', 'row 6: email']),
    );
    expect(res.body.error.message).toMatch(/nothing was imported/);
    expect((await app.api('GET', '/api/v1/extensions')).body.total).toBe(0);
  });

  it('refuses a hand-set secret under 16 characters in a row, with the reason', async () => {
    const res = await importCsv(csv(['4001,Short Secret,,,,fifteen-chars15,1,,no']));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toContainEqual({
      path: 'row 2: sip_secret',
      message: 'must be at least 16 characters',
    });
    expect((await app.api('GET', '/api/v1/extensions')).body.total).toBe(0);
  });

  it('a real import with one bad row imports nothing either', async () => {
    const res = await importCsv(
      csv(['4001,Good,,,,,1,,no', '4002,Also Good,,,,,1,,no', '4003,Bad;Name,,,,,1,,no']),
    );
    expect(res.status).toBe(400);
    expect((await app.api('GET', '/api/v1/extensions')).body.total).toBe(0);
  });

  it('a dry run of good rows says what would happen without importing', async () => {
    const res = await importCsv(csv(['4001,Good,,,,,1,,no']), '?dry_run=true');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ dry_run: true, mode: 'create', created: ['4001'], updated: [] });
    expect((await app.api('GET', '/api/v1/extensions')).body.total).toBe(0);
  });

  it('imports in one transaction and the export re-imports losslessly into another install', async () => {
    const rows = [
      '4001,Ann Smith,Front Desk,+3225550100,ann@example.com,annSecret1234567,2,ulaw|g722,yes',
      '4002,"Zoë Müller (Sales)",,,,,1,alaw,no',
      '4003,@Sales -Desk,,+3225550101,,,1,,no',
      '4010,Carl,,,,,1,,',
    ];
    const res = await importCsv(csv(rows));
    expect(res.status).toBe(200);
    expect(res.body.created).toEqual(['4001', '4002', '4003', '4010']);
    // The language column travels too (the last one, after outbound_caller_id).
    expect((await app.api('PATCH', '/api/v1/extensions/4002', { body: { language: 'fr_BE' } })).status).toBe(
      200,
    );
    // With the secrets (asked for by name): what a move to another install needs.
    const exported = await app.api('GET', '/api/v1/extensions/export?secrets=1');
    expect(exported.headers.get('content-type')).toMatch(/text\/csv/);
    // Formula-leading cells leave escaped and come back as they were (the comparison below).
    expect(exported.text).toContain("4003,'@Sales -Desk,,'+3225550101,");
    expect(exported.text).toMatch(/\n4002,.*,fr_BE\r?\n/);

    const other = await startTestApp();
    try {
      expect(
        (
          await other.api('POST', '/api/v1/extensions/import', {
            body: exported.text,
            contentType: 'text/csv',
          })
        ).status,
      ).toBe(200);
      const strip = (items: Array<Record<string, unknown>>) =>
        items.map(({ created_at, updated_at, registration, ...rest }) => rest);
      const mine = (await app.api('GET', '/api/v1/extensions')).body.items;
      const theirs = (await other.api('GET', '/api/v1/extensions')).body.items;
      expect(strip(theirs)).toEqual(strip(mine));
      const secret = async (a: TestApp) =>
        (await a.api('POST', '/api/v1/extensions/4010/reveal-secret')).body.sip_secret;
      expect(await secret(other)).toBe(await secret(app));
      expect((await other.api('GET', '/api/v1/extensions/export?secrets=1')).text).toBe(exported.text);
    } finally {
      await other.close();
    }
  });

  it('refuses an existing number in create mode and updates it in upsert mode', async () => {
    expect((await importCsv(csv(['4001,Renamed,,,,,1,,no']))).body.error.details[0]).toEqual({
      path: 'row 2: number',
      message: 'already exists',
    });
    const res = await importCsv(csv(['4001,Renamed,,,,,1,,no']), '?mode=upsert');
    expect(res.body).toMatchObject({ created: [], updated: ['4001'] });
    expect((await app.api('GET', '/api/v1/extensions/4001')).body.display_name).toBe('Renamed');
  });

  it('refuses an unknown column and a body that is not CSV text', async () => {
    const res = await importCsv('number,display_name,context\n4100,X,evil');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].message).toMatch(/unknown column/);
    expect((await app.api('POST', '/api/v1/extensions/import', { body: { csv: 'x' } })).status).toBe(400);
  });
});
