import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { describeDestination } from '../destinations';
import { destinationFormValue, destinationFromForm, destinationOptions } from '../destinations/picker';
import type { ErrorDetail } from '../http/errors';
import { formNumber, handleForm, parseForm } from '../web/forms';
import { formString, notFoundPage, requirePage, sendPage } from '../web/page-helpers';
import { formRows, postedRows } from '../web/repeater';
import { FollowMe, FollowMeExtension, MAX_STEPS } from './schema';
import * as service from './service';

const MIN_ROWS = 3;

type Step = { kind: string; target: string; ring_seconds?: unknown; confirm: boolean };

export function followMeFromForm(body: unknown): { raw: Record<string, unknown>; rows: number[] } {
  const { items: steps, rows } = postedRows(body, 'step', MAX_STEPS, 'target', (target, field) => {
    const step: Step = {
      kind: formString(body, field('kind')) ?? '',
      target,
      confirm: formString(body, field('confirm')) === 'on',
    };
    const seconds = formNumber(body, field('ring_seconds'), { min: 5, max: 120 });
    if (seconds !== undefined) step.ring_seconds = seconds;
    return step;
  });
  const useDefault = formString(body, 'final_default') === 'on';
  return {
    raw: {
      enabled: formString(body, 'enabled') === 'on',
      steps,
      final_destination: useDefault
        ? null
        : destinationFromForm((body ?? {}) as Record<string, unknown>, 'final_destination'),
    },
    rows,
  };
}

function formErrors(details: ErrorDetail[], rows: number[]): ErrorDetail[] {
  return details.map((d) => {
    const m = /^steps\.(\d+)(?:\.(kind|target|ring_seconds|confirm))?/.exec(d.path);
    if (m) return { path: `step_${rows[Number(m[1])] ?? 0}_${m[2] ?? 'target'}`, message: d.message };
    if (d.path.startsWith('final_destination')) return { path: 'final_destination', message: d.message };
    return d;
  });
}

// /follow-me: users see their own extension's; admins pick any extension (?extension=).
export function followMePages(deps: Deps): Router {
  const router = Router();
  const page = requirePage('admin', 'user');
  const actor = (req: Request) => actorFor(deps, actorName(req));
  // The extensions an admin picks from.
  const extensionChoices = async () =>
    (await deps.db('extensions').orderBy('number').limit(2000).select('number', 'display_name')) as Array<{
      number: string;
      display_name: string;
    }>;

  const show = async (
    req: Request,
    res: Response,
    number: string,
    values: Record<string, unknown> | null,
    rowsUsed: number[],
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const saved = await service.getFollowMe(deps.db, number);
    const v = values ?? {
      enabled: saved.enabled,
      steps: saved.steps,
      final_destination: saved.final_destination,
    };
    const steps = (v['steps'] ?? []) as Step[];
    // Posted steps come from rows below MAX_STEPS, so every row fits under the cap.
    const least = Math.min(MAX_STEPS, Math.max(MIN_ROWS, steps.length + 1));
    const rows = formRows(steps, rowsUsed, least, (row, s) => ({
      row,
      kindField: `step_${row}_kind`,
      targetField: `step_${row}_target`,
      secondsField: `step_${row}_ring_seconds`,
      confirmField: `step_${row}_confirm`,
      external: s?.kind === 'external',
      target: s?.target ?? '',
      seconds: s?.ring_seconds ?? '',
      confirm: s?.confirm === true,
    }));
    const final = v['final_destination'] as { type: string; target: string } | null;
    const extensions = req.auth?.user.role === 'admin' ? await extensionChoices() : [];
    sendPage(
      req,
      res,
      'follow-me/form',
      {
        title: `Follow-me of ${number}`,
        nav: 'follow-me',
        number,
        extensions,
        enabled: v['enabled'] === true,
        rows,
        finalDefault: final === null,
        defaultLabel: describeDestination(saved.default_final_destination),
        destinationGroups: await destinationOptions(deps.db),
        finalValue: destinationFormValue(final?.type ? final : null),
        ...extra,
      },
      status,
    );
  };

  router.get('/follow-me', page, async (req, res) => {
    const user = req.auth!.user;
    if (user.role === 'user') {
      if (!user.extensionNumber) {
        notFoundPage(req, res, 'extension of yours');
        return;
      }
      await show(req, res, user.extensionNumber, null, []);
      return;
    }
    const parsed = FollowMeExtension.safeParse(req.query['extension']);
    if (parsed.success && (await deps.db('extensions').where({ number: parsed.data }).first('number'))) {
      await show(req, res, parsed.data, null, []);
      return;
    }
    sendPage(req, res, 'follow-me/choose', {
      title: 'Follow-me',
      nav: 'follow-me',
      extensions: await extensionChoices(),
    });
  });

  router.post('/follow-me/:number', page, async (req, res) => {
    const parsed = FollowMeExtension.safeParse(req.params['number']);
    if (!parsed.success) {
      notFoundPage(req, res, 'such extension');
      return;
    }
    const number = parsed.data;
    const { raw, rows } = followMeFromForm(req.body);
    await handleForm(res, {
      run: async () => {
        service.assertFollowMeAccess(req.auth?.user, number);
        const input = parseForm(FollowMe, raw);
        await withTx(deps.db, (tx) => service.saveFollowMe(tx, number, input, actor(req)));
      },
      redirect: req.auth?.user.role === 'admin' ? `/follow-me?extension=${number}` : '/follow-me',
      fields: (details) => formErrors(details, rows),
      field: 'steps',
      refused: async ({ status, errorMessage, errors }) => {
        if (status === 403 || status === 404) {
          sendPage(
            req,
            res,
            'error',
            { title: 'Refused', heading: 'Request refused', message: errorMessage },
            status,
          );
          return;
        }
        await show(req, res, number, raw, rows, { errors, errorMessage }, status);
      },
    });
  });

  return router;
}
