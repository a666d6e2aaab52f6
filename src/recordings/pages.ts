import { type Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { AppError } from '../http/errors';
import { parse } from '../http/parse';
import { formNumber, handleForm, parseForm } from '../web/forms';
import { formString, notFoundPage, requirePage, type ShowPage, sendPage } from '../web/page-helpers';
import * as policies from './policies';
import {
  MODES,
  type Mode,
  RecordingListQuery,
  RecordingPolicy,
  TARGET_TYPES,
  type TargetType,
} from './schema';
import { getAllowedRecording, journeyOf, listRecordings, type RecordingApi, recordingToApi } from './service';

const MODE_LABEL: Record<Mode, string> = {
  always: 'Always record',
  on_demand: 'On demand (*3 during the call)',
  never: 'Never record',
};
const TARGET_LABEL: Record<TargetType, string> = {
  extension: 'Extension',
  queue: 'Queue',
  inbound_route: 'Inbound route (id)',
  outbound_route: 'Outbound route (id)',
};

function policyFromForm(body: unknown): Record<string, unknown> {
  return {
    target_type: formString(body, 'target_type') ?? '',
    target_ref: formString(body, 'target_ref')?.trim() ?? '',
    mode: formString(body, 'mode') ?? '',
    retention_days: formNumber(body, 'retention_days', { min: 1, max: 3650 }) ?? null,
  };
}

function lengthOf(r: RecordingApi): string {
  if (r.duration_seconds === null) return '—';
  const s = Math.round(r.duration_seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function reasonOf(r: RecordingApi): string {
  if (r.policy_target === 'on_demand') return `started during the call (${r.policy_ref.replace(':', ' ')})`;
  if (r.policy_target === 'route') return `policy of ${r.policy_ref.replace('_', ' ').replace(':', ' #')}`;
  return `policy of ${r.policy_target} ${r.policy_ref}`;
}

// Recording pages: policies (admin), the recordings a user may hear, a recording's player.
export function recordingPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const anyone = requirePage('admin', 'supervisor', 'user');
  const actor = (req: Request) => actorFor(deps, actorName(req));

  const policyList: ShowPage = async (req, res, extra = {}, status = 200) => {
    sendPage(
      req,
      res,
      'recording-policies/list',
      {
        title: 'Call recording',
        nav: 'recording-policies',
        policies: (await policies.listPolicies(deps.db)).map((p) => ({
          ...policies.policyToApi(p),
          modeLabel: MODE_LABEL[p.mode],
        })),
        targetTypes: TARGET_TYPES.map((value) => ({ value, label: TARGET_LABEL[value] })),
        modes: MODES.map((value) => ({ value, label: MODE_LABEL[value] })),
        values: { target_type: 'extension', mode: 'always' },
        ...extra,
      },
      status,
    );
  };

  router.get('/recording-policies', admin, async (req, res) => {
    await policyList(req, res);
  });

  router.post('/recording-policies', admin, async (req, res) => {
    const raw = policyFromForm(req.body);
    await handleForm(res, {
      run: async () => {
        const input = parseForm(RecordingPolicy, raw);
        await withTx(deps.db, (tx) => policies.createPolicy(tx, input, actor(req)));
      },
      redirect: '/recording-policies',
      field: 'target_ref',
      refused: ({ status, errorMessage, errors }) =>
        policyList(req, res, { values: raw, errors, formError: errorMessage }, status),
    });
  });

  router.post('/recording-policies/:id/delete', admin, async (req, res) => {
    const raw = String(req.params['id'] ?? '');
    const id = /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : 0;
    await handleForm(res, {
      run: () => withTx(deps.db, (tx) => policies.removePolicy(tx, id, actor(req))),
      redirect: '/recording-policies',
      refused: ({ status, errorMessage }) => policyList(req, res, { errorMessage }, status),
    });
  });

  router.get('/recordings', anyone, async (req, res) => {
    const items = await listRecordings(deps.db, req.auth!.user, parse(RecordingListQuery, {}));
    sendPage(req, res, 'recordings/list', {
      title: 'Recordings',
      nav: 'recordings',
      recordings: items.map((r) => ({ ...r, length: lengthOf(r), reason: reasonOf(r) })),
    });
  });

  router.get('/recordings/:id', anyone, async (req, res) => {
    const raw = String(req.params['id'] ?? '');
    if (!/^[1-9][0-9]{0,9}$/.test(raw)) return notFoundPage(req, res, 'such recording');
    try {
      const row = await getAllowedRecording(deps.db, req.auth!.user, Number(raw));
      const recording = recordingToApi(row);
      sendPage(req, res, 'recordings/show', {
        title: `Recording ${recording.id}`,
        nav: 'recordings',
        recording,
        length: lengthOf(recording),
        reason: reasonOf(recording),
        journey: await journeyOf(deps.db, recording.linkedid),
      });
    } catch (caught) {
      if (!(caught instanceof AppError)) throw caught;
      if (caught.status === 404) return notFoundPage(req, res, 'such recording');
      sendPage(
        req,
        res,
        'error',
        { title: 'Forbidden', heading: 'Not allowed', message: caught.message },
        caught.status,
      );
    }
  });
  return router;
}
