import type { Knex } from 'knex';
import type { AuthUser } from '../auth/middleware';

// Who may listen to a recording (applied to a query on `recordings as r`):
//   admin       every recording
//   supervisor  the recordings of calls that went through a queue they supervise
//               (queue_supervisors), and those of calls their own extension was part of
//   user        the recordings of calls their own extension was part of
// "Part of" is the call's journey parties; until the journey is built, the call's CDR legs
// (a PJSIP channel of the extension) say the same.
export function restrictToAllowed(db: Knex, qb: Knex.QueryBuilder, user: AuthUser): void {
  if (user.role === 'admin') return;
  const ext =
    user.extensionNumber && /^[0-9]{1,20}$/.test(user.extensionNumber) ? user.extensionNumber : null;
  qb.where((w) => {
    w.whereRaw('1 = 0');
    if (ext) {
      w.orWhereExists((q) =>
        q
          .select(db.raw('1'))
          .from('call_journeys as j')
          .join('call_journey_parties as p', 'p.journey_id', 'j.id')
          .whereRaw('j.linkedid = r.linkedid')
          .where('p.extension', ext),
      );
      w.orWhereExists((q) =>
        q
          .select(db.raw('1'))
          .from('cdr_records as c')
          .whereRaw('c.linkedid = r.linkedid')
          .where((c) =>
            c.where('c.channel', 'like', `PJSIP/${ext}-%`).orWhere('c.dstchannel', 'like', `PJSIP/${ext}-%`),
          ),
      );
    }
    if (user.role === 'supervisor') {
      w.orWhereExists((q) =>
        q
          .select(db.raw('1'))
          .from('call_journeys as j')
          .join('queue_supervisors as s', 's.queue_number', 'j.queue_number')
          .whereRaw('j.linkedid = r.linkedid')
          .where('s.user_id', user.id),
      );
      w.orWhereExists((q) =>
        q
          .select(db.raw('1'))
          .from('queue_supervisors as s')
          .whereRaw("r.policy_target = 'queue' AND s.queue_number = r.policy_ref")
          .where('s.user_id', user.id),
      );
    }
  });
}
