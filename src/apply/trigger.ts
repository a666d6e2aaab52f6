import type { Logger } from '../lib/log';
import type { ApplyQueue } from './queue';
import type { Revision } from './revisions.repo';
import type { ApplyScope } from './scope';

// Who changed something, and the one way a write asks for an apply. Services call it from an
// after-commit hook (db/tx.ts), so a rolled-back write never reaches Asterisk.
export interface Actor {
  by: string;
  // `scope`: what the write touched (apply/scope.ts); null when it cannot say.
  requestApply(reason: string, scope: ApplyScope | null): void;
  // The same, for work that must follow the apply (it resolves with the apply's revision).
  apply(reason: string, scope: ApplyScope | null): Promise<Revision>;
}

export function actorFor(deps: { applyQueue: ApplyQueue; log: Logger }, by: string): Actor {
  const apply = (reason: string, scope: ApplyScope | null) => deps.applyQueue.request({ by, reason, scope });
  return {
    by,
    apply,
    requestApply: (reason, scope) => {
      apply(reason, scope).catch((err: unknown) => deps.log.error({ err }, 'apply request failed'));
    },
  };
}
