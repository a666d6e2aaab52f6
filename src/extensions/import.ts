import type { Actor } from '../apply/trigger';
import type { Tx } from '../db/tx';
import { numbersTakenByOthers } from '../destinations/numbers';
import { ValidationError } from '../http/errors';
import { randomSecret } from '../lib/crypto';
import { syncWithFlag as syncVoicemailBoxes } from '../voicemail';
import type { ParsedImport } from './csv';
import * as repo from './repo';
import { DEFAULT_CLASSES, DEFAULT_CODECS } from './schema';
import { newAuthUsername, SECRET_LENGTH, withEmergency } from './service';

export interface ImportSummary {
  dry_run: boolean;
  mode: 'create' | 'upsert';
  created: string[];
  updated: string[];
}

// All rows in one transaction: any bad row (format or conflict) and nothing is imported.
export async function importExtensions(
  tx: Tx,
  parsed: ParsedImport,
  opts: { dryRun: boolean; mode: 'create' | 'upsert' },
  actor: Actor & { authUsernames: 'random' | 'number' },
): Promise<ImportSummary> {
  const errors = [...parsed.errors];
  const numbers = parsed.rows.map((r) => r.input.number);
  const existing = new Set<string>();
  for (let i = 0; i < numbers.length; i += 1000) {
    const found = await tx('extensions')
      .whereIn('number', numbers.slice(i, i + 1000))
      .pluck('number');
    for (const n of found as string[]) existing.add(n);
  }
  const others = await numbersTakenByOthers(tx, numbers, 'extension');
  for (const r of parsed.rows) {
    const owner = others.get(r.input.number);
    if (owner)
      errors.push({ row: r.line, path: 'number', message: `already used by ${owner} ${r.input.number}` });
  }
  if (opts.mode === 'create') {
    for (const r of parsed.rows) {
      if (existing.has(r.input.number))
        errors.push({ row: r.line, path: 'number', message: 'already exists' });
    }
  }
  if (errors.length > 0) {
    errors.sort((a, b) => a.row - b.row);
    throw new ValidationError(
      errors.map((e) => ({ path: `row ${e.row}: ${e.path}`, message: e.message })),
      `${new Set(errors.map((e) => e.row)).size} row(s) have errors; nothing was imported`,
    );
  }
  const summary: ImportSummary = { dry_run: opts.dryRun, mode: opts.mode, created: [], updated: [] };
  for (const { input } of parsed.rows) {
    (existing.has(input.number) ? summary.updated : summary.created).push(input.number);
  }
  if (opts.dryRun) return summary;
  const toInsert: repo.ExtensionWrite[] = [];
  for (const { input } of parsed.rows) {
    const row: repo.ExtensionWrite = {
      number: input.number,
      display_name: input.display_name,
      caller_id_name: input.caller_id_name ?? null,
      caller_id_number: input.caller_id_number ?? null,
      email: input.email ?? null,
      sip_secret: input.sip_secret ?? randomSecret(SECRET_LENGTH),
      auth_username: newAuthUsername(input.number, actor.authUsernames),
      max_contacts: input.max_contacts ?? 1,
      codecs: (input.codecs ?? DEFAULT_CODECS).join(','),
      voicemail_enabled: input.voicemail_enabled ?? false,
      classes: withEmergency(input.classes ?? DEFAULT_CLASSES).join(','),
      outbound_caller_id: input.outbound_caller_id ?? null,
      language: input.language ?? null,
    };
    if (existing.has(input.number)) {
      const { number, ...rest } = row;
      if (input.sip_secret === undefined) delete (rest as Partial<repo.ExtensionWrite>).sip_secret;
      // An update keeps the username its phone is provisioned with.
      delete (rest as Partial<repo.ExtensionWrite>).auth_username;
      await repo.update(tx, number, rest);
    } else {
      toInsert.push(row);
    }
  }
  await repo.insertMany(tx, toInsert);
  await syncVoicemailBoxes(tx, [...summary.created, ...summary.updated]);
  if (summary.created.length + summary.updated.length > 0) {
    tx.afterCommit(() =>
      actor.requestApply(`CSV import: ${summary.created.length} created, ${summary.updated.length} updated`, {
        extensions: [...summary.created, ...summary.updated],
      }),
    );
  }
  return summary;
}
