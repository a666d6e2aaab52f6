import { type Request, type Response, Router } from 'express';
import { actorName } from '../auth/middleware';
import { listDepartments } from '../departments';
import type { Deps } from '../deps';
import { ValidationError } from '../http/errors';
import { parse } from '../http/parse';
import { DIRECTIONS } from '../journeys';
import { handleForm } from '../web/forms';
import { formString, refusal, requirePage, sendPage, withId } from '../web/page-helpers';
import { formatKpi, heatmapSvg, KPI_LABEL, reportChartSvg } from './charts';
import { GROUP_LABEL } from './schedules/email';
import { schedulePages } from './schedules/pages';
import { agentActivity, runReport } from './service';
import { csvHref, formFromTemplate, parseReportForm, type ReportForm } from './templates/form';
import { type Period, periodLabel, RANGE_LABEL, RANGE_PRESETS } from './templates/ranges';
import { ReportTemplate, templateQuery } from './templates/schema';
import * as templates from './templates/service';
import { GROUPINGS, KPIS, type Kpi } from './types';

type Raw = Record<string, unknown>;
const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
const hms = (s: number) => {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
};

// Report pages (/reports): charts, heatmap, agent activity, saved templates.
export function reportPages(deps: Deps): Router {
  const router = Router();
  const read = requirePage('admin', 'supervisor');
  const tz = deps.config.analytics.reportTimezone;

  const formView = async (raw: Raw, form: ReportForm | null) => {
    const kpis = form?.kpis ?? [];
    const f = form?.filters;
    return {
      ranges: [
        ...RANGE_PRESETS.map((r) => ({ value: r, label: RANGE_LABEL[r] })),
        { value: 'custom', label: 'Dates below' },
      ],
      range: form?.preset ?? (typeof raw['range'] === 'string' ? raw['range'] : 'last_7_days'),
      from: form?.fromDate ?? (typeof raw['from'] === 'string' ? raw['from'] : ''),
      to: form?.toDate ?? (typeof raw['to'] === 'string' ? raw['to'] : ''),
      groupings: GROUPINGS.map((g) => ({
        value: g,
        label: GROUP_LABEL[g] ?? g,
        selected: g === (form?.groupBy ?? 'day'),
      })),
      directions: DIRECTIONS.map((d) => ({ value: d, selected: d === f?.direction })),
      kpiOptions: KPIS.map((k) => ({ value: k, label: KPI_LABEL[k], checked: kpis.includes(k) })),
      queues: (f?.queues ?? []).join(', '),
      agents: (f?.agents ?? []).join(', '),
      extensions: (f?.extensions ?? []).join(', '),
      dids: (f?.dids ?? []).join(', '),
      departments: (await listDepartments(deps.db)).map((d) => ({
        id: d.id,
        name: d.name,
        selected: d.id === f?.department_id,
      })),
      savedTemplates: await templates.listTemplates(deps.db),
    };
  };

  const results = async (form: ReportForm, period: Period) => {
    const q = templateQuery({ group_by: form.groupBy, kpis: form.kpis, filters: form.filters }, period, tz);
    const [main, heat, missed, agents] = await Promise.all([
      runReport(deps.db, q, { timezone: tz }),
      runReport(deps.db, { ...q, groupBy: 'hour_of_week', kpis: ['offered'] }, { timezone: tz }),
      runReport(
        deps.db,
        { ...q, groupBy: 'day', kpis: ['missed', 'voicemail', 'abandoned', 'callback'] },
        { timezone: tz },
      ),
      agentActivity(deps.db, {
        from: period.from,
        to: period.to,
        ...(form.filters.agents?.length ? { agents: form.filters.agents } : {}),
        ...(form.filters.queues?.length ? { queues: form.filters.queues } : {}),
        ...(form.filters.department_id ? { departmentId: form.filters.department_id } : {}),
      }),
    ]);
    const label = periodLabel(period, tz);
    const kpis: Kpi[] = main.query.kpis;
    const missedKpis: Kpi[] = ['missed', 'voicemail', 'abandoned', 'callback'];
    return {
      periodLabel: label,
      timezone: tz,
      headers: kpis.map((k) => KPI_LABEL[k]),
      rows: main.rows.map((r) => ({
        key: r.key,
        label: r.label,
        cells: kpis.map((k) => ({ kpi: k, value: formatKpi(k, r.values[k]) })),
      })),
      totals: kpis.map((k) => ({ kpi: k, value: formatKpi(k, main.totals[k]) })),
      chartSvg: reportChartSvg({ title: `Calls – ${label}`, rows: main.rows, kpis }),
      heatmapSvg: heatmapSvg(heat.rows),
      missedSvg: reportChartSvg({
        title: `Missed and voicemail – ${label}`,
        rows: missed.rows,
        kpis: missedKpis,
      }),
      missedTotals: missedKpis.map((k) => ({
        label: KPI_LABEL[k],
        kpi: k,
        value: formatKpi(k, missed.totals[k]),
      })),
      agents: agents.map((a) => ({
        agent: a.agent,
        login: hms(a.loginSeconds),
        pause: hms(a.pauseSeconds),
        talk: hms(a.talkSeconds),
        wrapup: hms(a.wrapupSeconds),
        calls: a.callsAnswered,
        occupancy: pct(a.occupancy),
      })),
      csvHref: csvHref(form, period, tz),
    };
  };

  const show = async (req: Request, res: Response, raw: Raw, extra: Raw = {}, status = 200) => {
    let form: ReportForm | null = null;
    let result: Raw | null = null;
    let errorMessage: string | null = null;
    let errors: Array<{ path: string; message: string }> = [];
    try {
      const parsed = parseReportForm(raw, tz);
      form = parsed.form;
      result = await results(parsed.form, parsed.period);
    } catch (caught) {
      const err = refusal(caught);
      errorMessage = err.message;
      errors = err.details.map((d) => ({
        path: d.path.replace(/^filters\.(\w+?)(_id)?(\..*)?$/, '$1'),
        message: d.message,
      }));
      status = err.status;
    }
    sendPage(
      req,
      res,
      'reports/index',
      {
        title: 'Reports',
        nav: 'reports',
        ...(await formView(raw, form)),
        result,
        errors,
        errorMessage,
        hidden: Object.entries(raw)
          .filter(([k]) => k !== 'name' && k !== '_csrf' && k !== 'template')
          .flatMap(([k, v]) =>
            (Array.isArray(v) ? v : [v])
              .filter((x): x is string => typeof x === 'string')
              .map((x) => ({ name: k, value: x })),
          ),
        ...extra,
      },
      status,
    );
  };

  router.get('/reports', read, async (req, res) => {
    const raw = req.query as Raw;
    const templateId = typeof raw['template'] === 'string' ? raw['template'] : '';
    if (/^[1-9][0-9]{0,9}$/.test(templateId)) {
      try {
        const t = await templates.getTemplate(deps.db, Number(templateId));
        await show(req, res, formFromTemplate(t), { loadedTemplate: t.name });
        return;
      } catch (caught) {
        const err = refusal(caught);
        await show(req, res, {}, { templateError: err.message }, err.status);
        return;
      }
    }
    await show(req, res, raw);
  });

  router.post('/reports/templates', read, async (req, res) => {
    const raw = { ...(req.body as Raw) };
    const name = formString(raw, 'name') ?? '';
    await handleForm(res, {
      run: () => {
        const { form } = parseReportForm(raw, tz);
        if (form.preset === 'custom')
          throw new ValidationError(
            [
              {
                path: 'range',
                message: 'a template keeps a named range (yesterday, last 7 days…), not fixed dates',
              },
            ],
            'choose a named range to save a template',
          );
        const input = parse(ReportTemplate, {
          name,
          group_by: form.groupBy,
          kpis: form.kpis,
          filters: form.filters,
          range_preset: form.preset,
        });
        return templates.saveTemplate(deps.db, null, input, actorName(req));
      },
      redirect: (saved) => `/reports?template=${saved.id}`,
      refused: ({ status, errorMessage, details }) => {
        const first = details[0];
        const templateError = first?.message ? `${first.path}: ${first.message}` : errorMessage;
        return show(req, res, raw, { templateError, templateName: name }, status);
      },
    });
  });

  router.post(
    '/reports/templates/:id/delete',
    read,
    withId('such report template', async (req, res, id) => {
      await handleForm(res, {
        run: () => templates.removeTemplate(deps.db, id),
        redirect: '/reports',
        refused: ({ status, errorMessage }) => show(req, res, {}, { templateError: errorMessage }, status),
      });
    }),
  );

  router.use(schedulePages(deps));
  return router;
}
