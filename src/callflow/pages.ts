import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import type { ErrorDetail } from '../http/errors';
import { ValidationError } from '../http/errors';
import { parse } from '../http/parse';
import { localTime } from '../time-conditions';
import { formString, requirePage, sendPage } from '../web/page-helpers';
import { buildFlowGraph, type FlowRoot, renderFlowHtml } from './diagram';
import { TraceRequest } from './schema';
import { loadState } from './service';
import { traceCall } from './trace';

const VIEW = /^(inbound-route|ivr):([1-9][0-9]{0,9})$/;
const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
const TIMEZONE = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;

function validTimezone(tz: string): boolean {
  if (!TIMEZONE.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// The wall clock `local` (YYYY-MM-DDTHH:MM) in `tz` as an instant: start from the same digits as
// UTC and correct by the zone's offset there (twice, for a DST change in between).
export function zonedToDate(local: string, tz: string): Date | null {
  const m = LOCAL_DATETIME.exec(local);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const wanted = Date.UTC(y, mo - 1, d, h, mi);
  if (Number.isNaN(wanted)) return null;
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const lt = localTime(new Date(guess), tz);
    const s = String(lt.date);
    const seen = Date.UTC(
      Number(s.slice(0, 4)),
      Number(s.slice(4, 6)) - 1,
      Number(s.slice(6, 8)),
      0,
      lt.minute,
    );
    guess += wanted - seen;
  }
  return new Date(guess);
}

function nowIn(tz: string): string {
  const lt = localTime(new Date(), tz);
  const s = String(lt.date);
  const hh = String(Math.floor(lt.minute / 60)).padStart(2, '0');
  const mm = String(lt.minute % 60).padStart(2, '0');
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${hh}:${mm}`;
}

export function callFlowPages(deps: Deps): Router {
  const router = Router();

  router.get('/call-flow', requirePage('admin', 'supervisor'), async (req: Request, res: Response) => {
    const state = await loadState(deps);
    const q = req.query as Record<string, unknown>;
    const view = formString(q, 'view') ?? '';
    const m = VIEW.exec(view);
    const root: FlowRoot | null = m ? { type: m[1] as FlowRoot['type'], id: Number(m[2]) } : null;
    const graph = root ? buildFlowGraph(state, root) : null;

    const defaultTz = state.timeConditions[0]?.timezone ?? 'UTC';
    const values = {
      did: formString(q, 'did') ?? '',
      caller_id: formString(q, 'caller_id') ?? '',
      at: formString(q, 'at') ?? nowIn(defaultTz),
      tz: formString(q, 'tz') ?? defaultTz,
      digits: formString(q, 'digits') ?? '',
      follow: formString(q, 'follow') === '1',
    };
    let steps: unknown = null;
    let errors: ErrorDetail[] = [];
    let status = graph || !root ? 200 : 404;
    if (formString(q, 'trace') !== undefined) {
      const tzOk = validTimezone(values.tz);
      const at = tzOk ? zonedToDate(values.at, values.tz) : null;
      const problems: ErrorDetail[] = [];
      if (!tzOk) problems.push({ path: 'tz', message: 'must be an IANA timezone, e.g. Europe/Brussels' });
      else if (!at) problems.push({ path: 'at', message: 'must be a date and time' });
      try {
        const input = parse(TraceRequest, {
          did: values.did,
          caller_id: values.caller_id.trim() === '' ? null : values.caller_id,
          at: (at ?? new Date(0)).toISOString(),
          ...(values.follow || values.digits.trim() !== '' ? { digits: values.digits } : {}),
        });
        if (problems.length === 0) {
          steps = traceCall(state, {
            did: input.did,
            callerId: input.caller_id === 'anonymous' ? null : input.caller_id,
            at: at ?? new Date(),
            digits: input.digits,
          });
        }
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        problems.push(...err.details);
      }
      if (problems.length > 0) {
        errors = problems;
        status = 400;
      }
    }
    const routes = [...state.inboundRoutes]
      .sort((a, b) => a.position - b.position || a.id - b.id)
      .map((r) => ({ value: `inbound-route:${r.id}`, label: `${r.name} (${r.did})` }));
    const ivrs = [...state.ivrs]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((i) => ({ value: `ivr:${i.id}`, label: i.name }));
    sendPage(
      req,
      res,
      'call-flow/index',
      {
        title: 'Call flow',
        nav: 'call-flow',
        view,
        routes,
        ivrs,
        notFound: root !== null && graph === null,
        graph,
        diagram: graph ? renderFlowHtml(graph) : null,
        values,
        steps,
        errors,
        errorMessage: errors.length > 0 ? 'The trace could not run: check the marked fields.' : null,
      },
      status,
    );
  });
  return router;
}
