import type { Knex } from 'knex';
import { UnprocessableError } from '../http/errors';

// Each entry of a list (ring group members, follow-me steps) that names an extension must name
// one that exists: 422 with a detail at `<path>.<i>.target` for each that does not.
export async function assertExtensionsExist(
  db: Knex,
  entries: ReadonlyArray<{ kind: string; target: string }>,
  path: string,
): Promise<void> {
  const wanted = [...new Set(entries.filter((e) => e.kind === 'extension').map((e) => e.target))];
  if (wanted.length === 0) return;
  const found = new Set(
    ((await db('extensions').whereIn('number', wanted).select('number')) as Array<{ number: string }>).map(
      (r) => r.number,
    ),
  );
  const details = entries.flatMap((e, i) =>
    e.kind === 'extension' && !found.has(e.target)
      ? [{ path: `${path}.${i}.target`, message: `no such extension ${e.target}` }]
      : [],
  );
  if (details.length > 0) throw new UnprocessableError(details.map((d) => d.message).join(', '), details);
}
