import type { Knex } from 'knex';
import { z } from 'zod';
import { UnprocessableError } from '../http/errors';

// One typed value for "send the call somewhere", used by every feature that ends a call flow.
// The call-flow issue adds ring groups, queues, IVRs, voicemail, announcements and time
// conditions: each is one more member here, one existence check and one dialplan context.
export const Destination = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('extension'),
    target: z.string().regex(/^[1-9][0-9]{1,9}$/, 'must be an extension number'),
  }),
  z.strictObject({ type: z.literal('hangup'), target: z.literal('').default('') }),
]);
export type Destination = z.infer<typeof Destination>;

export async function assertDestinationExists(
  db: Knex,
  dest: Destination,
  path = 'destination',
): Promise<void> {
  if (dest.type === 'extension') {
    const found = await db('extensions').where({ number: dest.target }).first('number');
    if (!found) {
      throw new UnprocessableError(`destination extension ${dest.target} does not exist`, [
        { path: `${path}.target`, message: 'no such extension' },
      ]);
    }
  }
}

// Dialplan: every destination is `Goto(sb-dest-<type>,<target or s>,1)`; the contexts are static.
export function destinationGoto(dest: { type: string; target: string }): { context: string; exten: string } {
  return { context: `sb-dest-${dest.type}`, exten: dest.target === '' ? 's' : dest.target };
}
