import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { createKnex, ensureDatabase } from '../../src/db/knex';

// Every suite gets a database of its own. Running all migrations for each one is most of the
// cost of a suite's set-up, so the runner migrates one template database per set of migrations
// and each suite copies it: the tables as SHOW CREATE TABLE gives them (with their foreign keys),
// then the rows (the migration log, and whatever the migrations seed).

const MIGRATIONS = join(__dirname, '..', '..', 'migrations');

// The template's name follows the migrations' content: a changed or added migration makes a new
// template, and an old one is never used for a schema it does not have.
export function templateName(): string {
  const hash = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS).sort()) {
    hash.update(f);
    hash.update(readFileSync(join(MIGRATIONS, f)));
  }
  return `sb_template_${hash.digest('hex').slice(0, 12)}`;
}

// Creates and migrates the template unless a complete one exists (the marker table is written
// last, so a template whose creation was interrupted is rebuilt).
export async function ensureTemplate(server: string): Promise<string> {
  const name = templateName();
  const admin = createKnex(`${server}/`, { min: 0, max: 1 });
  try {
    const [rows] = (await admin.raw(
      'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
      [name, 'sb_template_complete'],
    )) as [Array<{ n: number }>];
    if (Number(rows[0]?.n) === 1) return name;
    await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await admin.destroy();
  }
  await ensureDatabase(`${server}/${name}`);
  const db = createKnex(`${server}/${name}`, { min: 0, max: 1 });
  try {
    await db.migrate.latest();
    await db.raw('CREATE TABLE sb_template_complete (id INT PRIMARY KEY)');
  } finally {
    await db.destroy();
  }
  return name;
}

// A new database `name` with the template's schema and rows.
export async function cloneTemplate(server: string, template: string, name: string): Promise<void> {
  await ensureDatabase(`${server}/${name}`);
  const db = createKnex(`${server}/${name}`, { min: 1, max: 1 });
  try {
    const [tables] = (await db.raw(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' AND table_name <> 'sb_template_complete'",
      [template],
    )) as [Array<{ name: string }>];
    await db.raw('SET FOREIGN_KEY_CHECKS = 0');
    for (const { name: table } of tables) {
      const [created] = (await db.raw(`SHOW CREATE TABLE \`${template}\`.\`${table}\``)) as [
        Array<Record<string, string>>,
      ];
      const ddl = created[0]?.['Create Table'];
      if (!ddl) throw new Error(`no CREATE TABLE for ${template}.${table}`);
      await db.raw(ddl);
    }
    const filled = await rowsIn(db, template, tables);
    for (const table of filled) {
      await db.raw(`INSERT INTO \`${table}\` SELECT * FROM \`${template}\`.\`${table}\``);
    }
    await db.raw('SET FOREIGN_KEY_CHECKS = 1');
  } finally {
    await db.destroy();
  }
}

async function rowsIn(db: Knex, template: string, tables: Array<{ name: string }>): Promise<string[]> {
  if (tables.length === 0) return [];
  const probes = tables.map(
    (t) => `SELECT '${t.name}' AS name FROM \`${template}\`.\`${t.name}\` HAVING COUNT(*) > 0`,
  );
  const [rows] = (await db.raw(probes.join(' UNION ALL '))) as [Array<{ name: string }>];
  return rows.map((r) => r.name);
}

// The database a suite starts on: a copy of the runner's template when there is one, else
// created empty (the app or the suite migrates it).
export async function prepareTestDatabase(server: string, name: string): Promise<void> {
  const template = process.env['TEST_DB_TEMPLATE'];
  if (template) await cloneTemplate(server, template, name);
  else await ensureDatabase(`${server}/${name}`);
}
