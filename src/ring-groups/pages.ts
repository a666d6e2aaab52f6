import { type Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { describeDestination } from '../destinations';
import { destinationFormValue, destinationFromForm, destinationOptions } from '../destinations/picker';
import type { ErrorDetail } from '../http/errors';
import { formNumber, parseForm } from '../web/forms';
import { formString, listPage, requirePage } from '../web/page-helpers';
import { formRows, postedRows } from '../web/repeater';
import { rowForms } from '../web/row-forms';
import { MAX_MEMBERS, RingGroup, RingGroupNumber, STRATEGIES } from './schema';
import * as service from './service';

const MIN_ROWS = 4;
const STRATEGY_LABEL: Record<(typeof STRATEGIES)[number], string> = {
  ringall: 'Ring all at once',
  hunt: 'One after the other (hunt)',
  memoryhunt: 'Add one more each time (memory hunt)',
};

type Member = { kind: string; target: string; confirm: boolean };

// Form fields → the API body; rows whose number is empty are skipped, so member i of the body
// came from form row rows[i].
export function ringGroupFromForm(body: unknown): { raw: Record<string, unknown>; rows: number[] } {
  const { items: members, rows } = postedRows(
    body,
    'member',
    MAX_MEMBERS,
    'target',
    (target, field): Member => ({
      kind: formString(body, field('kind')) ?? '',
      target,
      confirm: formString(body, field('confirm')) === 'on',
    }),
  );
  const raw: Record<string, unknown> = {
    number: formString(body, 'number')?.trim() ?? '',
    name: formString(body, 'name') ?? '',
    strategy: formString(body, 'strategy') ?? '',
    caller_id_prefix: formString(body, 'caller_id_prefix') ?? '',
    members,
    failover_destination: destinationFromForm(
      (body ?? {}) as Record<string, unknown>,
      'failover_destination',
    ),
  };
  const seconds = formNumber(body, 'ring_seconds', { min: 5, max: 300 });
  if (seconds !== undefined) raw['ring_seconds'] = seconds;
  return { raw, rows };
}

function formErrors(details: ErrorDetail[], rows: number[]): ErrorDetail[] {
  return details.map((d) => {
    const m = /^members\.(\d+)(?:\.(kind|target|confirm))?/.exec(d.path);
    if (m) return { path: `member_${rows[Number(m[1])] ?? 0}_${m[2] ?? 'target'}`, message: d.message };
    if (d.path.startsWith('failover_destination'))
      return { path: 'failover_destination', message: d.message };
    return d;
  });
}

export function ringGroupPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const actor = (req: Request) => actorFor(deps, actorName(req));

  const list = listPage('ring-groups/list', 'Ring groups', 'ring-groups', async () => {
    const groups = await service.listRingGroups(deps.db);
    return {
      groups: groups.map((g) => ({
        number: g.number,
        name: g.name,
        strategy: STRATEGY_LABEL[g.strategy],
        ringSeconds: g.ringSeconds,
        prefix: g.callerIdPrefix,
        members: g.members.map((m) => ({
          label:
            m.kind === 'extension' ? `extension ${m.target}` : `${m.target}${m.confirm ? ' (press 1)' : ''}`,
        })),
        failover: describeDestination(g.failoverDestination),
      })),
    };
  });

  const form = async (
    values: Record<string, unknown>,
    rowsUsed: number[],
    extra: Record<string, unknown>,
  ) => {
    const members = (values['members'] ?? []) as Member[];
    // Posted members come from rows below MAX_MEMBERS, so every row fits under the cap.
    const least = Math.min(MAX_MEMBERS, Math.max(MIN_ROWS, members.length + 2));
    const rows = formRows(members, rowsUsed, least, (row, m) => ({
      row,
      kindField: `member_${row}_kind`,
      targetField: `member_${row}_target`,
      confirmField: `member_${row}_confirm`,
      external: m?.kind === 'external',
      target: m?.target ?? '',
      confirm: m?.confirm === true,
    }));
    const failover = values['failover_destination'] as { type: string; target: string } | undefined;
    return {
      title: extra['isNew'] ? 'New ring group' : `Ring group ${String(values['number'])}`,
      nav: 'ring-groups',
      strategies: STRATEGIES.map((s) => ({ value: s, label: STRATEGY_LABEL[s] })),
      destinationGroups: await destinationOptions(deps.db),
      failoverValue: destinationFormValue(failover?.type ? failover : null),
      rows,
      values,
      ...extra,
    };
  };

  rowForms(router, {
    base: '/ring-groups',
    home: '/ring-groups',
    template: 'ring-groups/form',
    what: 'such ring group',
    // A number that is not a ring group number cannot name one: the same page as a missing one.
    key: (raw) => {
      const parsed = RingGroupNumber.safeParse(raw);
      return parsed.success ? parsed.data : null;
    },
    targetKey: 'current',
    guard: admin,
    listGuard: requirePage('admin', 'supervisor'),
    blank: () => ({
      strategy: 'ringall',
      ring_seconds: 20,
      members: [],
      failover_destination: { type: 'hangup', target: '' },
    }),
    find: async (number) => {
      const [group] = await service.listRingGroups(deps.db, [number]);
      return group && service.ringGroupToApi(group);
    },
    read: ringGroupFromForm,
    shown: (posted) => posted.raw,
    save: (req, current, { raw }) => {
      const input = parseForm(RingGroup, raw);
      return withTx(deps.db, (tx) => service.saveRingGroup(tx, current, input, actor(req)));
    },
    remove: (req, number) => withTx(deps.db, (tx) => service.removeRingGroup(tx, number, actor(req))),
    fields: (details, { rows }) => formErrors(details, rows),
    field: 'number',
    form: (values, extra, posted) => form(values, posted?.rows ?? [], extra),
    list,
  });

  return router;
}
