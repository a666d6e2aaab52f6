import type { Knex } from 'knex';
import { UnprocessableError } from '../http/errors';

// A prompt must name a greeting that exists (422 before anything is saved). Shared by IVRs and
// announcements, the two features that play greetings on the call path.
export async function assertGreetingExists(db: Knex, id: number, path: string): Promise<void> {
  const found = await db('greetings').where({ id }).first('id');
  if (!found) {
    throw new UnprocessableError(`greeting ${id} does not exist`, [{ path, message: 'no such greeting' }]);
  }
}
