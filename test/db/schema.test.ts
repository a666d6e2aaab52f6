import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/app';

const SNAPSHOT = join(__dirname, 'schema.snapshot.json');
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

// The schema canary: migrations on a fresh database must produce exactly the reviewed schema.
// After a deliberate change: UPDATE_GOLDEN=1 npm test -- test/db, and review the diff.
it('migrating a fresh database produces the committed schema', async () => {
  const db = app.sb.deps.db;
  const [columns] = await db.raw(
    `SELECT TABLE_NAME t, COLUMN_NAME c, COLUMN_TYPE type, IS_NULLABLE nullable, COLUMN_DEFAULT def, COLUMN_KEY k
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [app.dbName],
  );
  const [indexes] = await db.raw(
    `SELECT TABLE_NAME t, INDEX_NAME i, NON_UNIQUE non_unique, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) cols
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE ORDER BY TABLE_NAME, INDEX_NAME`,
    [app.dbName],
  );
  const schema = JSON.parse(JSON.stringify({ columns, indexes }));
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(SNAPSHOT, `${JSON.stringify(schema, null, 1)}\n`);
  expect(schema).toEqual(JSON.parse(readFileSync(SNAPSHOT, 'utf8')));
});
