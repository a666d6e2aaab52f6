import { type Request, Router } from 'express';
import { z } from 'zod';
import { actorName } from '../../auth/middleware';
import type { Deps } from '../../deps';
import { loadFeatureCodes } from '../../feature-codes';
import { parse } from '../../http/parse';
import { handleForm, withFirstDetail } from '../../web/forms';
import {
  formString,
  notFoundPage,
  refusal,
  requirePage,
  type ShowPageOf,
  sendPage,
} from '../../web/page-helpers';
import { agentsFor } from '.';
import { liveFor, queueLive } from './live';
import { assertMayActFor } from './routes';
import { AGENT_ACTIONS, type AgentAction, type LiveMember, PauseReason, QueueNumber } from './schema';

const LABELS: Record<LiveMember['state'], string> = {
  available: 'available',
  ringing: 'ringing',
  in_call: 'in call',
  paused: 'paused',
  logged_out: 'logged out',
  unavailable: 'unavailable',
};

export function stateLabel(m: Pick<LiveMember, 'state' | 'pause_reason'>): string {
  return m.state === 'paused' && m.pause_reason ? `paused (${m.pause_reason})` : LABELS[m.state];
}

export function waitText(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

// The live page of one queue: state badges refreshed by /static/queue-live.js from the JSON of
// GET /api/v1/queues/:number/live; the buttons post forms, so they work without scripts.
export function queueLivePages(deps: Deps): Router {
  const router = Router();
  const agents = agentsFor(deps);
  const anyone = requirePage('admin', 'supervisor', 'user');

  const page: ShowPageOf<string> = async (req, res, number, extra = {}, status = 200) => {
    const [all, codes] = await Promise.all([queueLive(deps, number), loadFeatureCodes(deps.db)]);
    const user = req.auth?.user;
    const live = liveFor(all, user);
    sendPage(
      req,
      res,
      'queues/live',
      {
        title: `Queue ${live.name}`,
        nav: 'queues',
        live,
        toggleCode: codes['agent-toggle'] ?? '*45',
        pauseCode: codes['agent-pause'] ?? '*46',
        members: live.members.map((m) => ({
          ...m,
          label: stateLabel(m),
          mayAct: user?.role !== 'user' || user.extensionNumber === m.extension,
          showPause: m.logged_in && m.state !== 'paused',
          showUnpause: m.logged_in && m.state === 'paused',
        })),
        callers: live.callers.map((c) => ({
          ...c,
          caller: c.caller_number ?? c.channel,
          wait: waitText(c.wait_seconds),
        })),
        ...extra,
      },
      status,
    );
  };

  const queueNumber = (req: Request): string | null => {
    const n = QueueNumber.safeParse(req.params['number']);
    return n.success ? n.data : null;
  };

  router.get('/queues/:number/live', anyone, async (req, res) => {
    const number = queueNumber(req);
    if (number === null) return notFoundPage(req, res, 'such queue');
    try {
      await page(req, res, number);
    } catch (caught) {
      const err = refusal(caught);
      if (err.status === 404) return notFoundPage(req, res, 'such queue');
      throw err;
    }
  });

  router.post('/queues/:number/live/:ext/:action', anyone, async (req, res) => {
    const number = queueNumber(req);
    const action = req.params['action'] as AgentAction;
    const ext = String(req.params['ext'] ?? '');
    if (number === null || !AGENT_ACTIONS.includes(action) || !/^[0-9]{1,20}$/.test(ext))
      return notFoundPage(req, res, 'such queue or action');
    await handleForm(res, {
      run: async () => {
        assertMayActFor(req, ext);
        const by = actorName(req);
        if (action === 'login') await agents.login(number, ext, by);
        else if (action === 'logout') await agents.logout(number, ext, by);
        else if (action === 'unpause') await agents.unpause(number, ext, by);
        else {
          const raw = (formString(req.body, 'reason') ?? '').trim();
          const reason =
            raw === '' ? 'paused' : parse(z.strictObject({ reason: PauseReason }), { reason: raw }).reason;
          await agents.pause(number, ext, reason, by);
        }
      },
      redirect: `/queues/${number}/live`,
      refused: (r) => page(req, res, number, { errorMessage: withFirstDetail(r) }, r.status),
    });
  });
  return router;
}
