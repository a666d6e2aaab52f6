import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import Handlebars from 'handlebars';
import { TEMPLATE_ROOT } from '../../render/engine';
import type { SmtpSettings } from '../../voicemail';
import { transportFor } from '../../voicemail';
import { formatKpi, KPI_LABEL, reportChartSvg } from '../charts';
import { toCsv } from '../csv';
import { localDate, periodLabel } from '../templates/ranges';
import type { ReportTemplateView } from '../templates/schema';
import type { ReportResult } from '../types';

// The scheduled report email: summary and per-group table in HTML, the chart as an inline PNG,
// the figures as a CSV attachment, and a text alternative. Template values are escaped in the
// HTML env (a template name is user input); the text env is unescaped but strict.
const env = Handlebars.create();
const EMAIL = join(TEMPLATE_ROOT, 'email');
const compile = (name: string, html: boolean) =>
  env.compile(readFileSync(join(EMAIL, name), 'utf8'), { strict: true, noEscape: !html });
const html = compile('report.html.hbs', true);
const text = compile('report.txt.hbs', false);

export const GROUP_LABEL: Record<string, string> = {
  none: 'total',
  hour: 'hour',
  day: 'day',
  week: 'week',
  month: 'month',
  hour_of_week: 'hour of the week',
  direction: 'direction',
  queue: 'queue',
  agent: 'agent',
  extension: 'extension',
  did: 'number dialled (DID)',
};

const clean = (s: string) => s.replace(/\p{Cc}/gu, ' ').trim();

export function filterText(t: ReportTemplateView, departmentName: string | null): string {
  const f = t.filters;
  const parts: string[] = [];
  if (f.direction) parts.push(`${f.direction} calls`);
  if (f.queues?.length) parts.push(`queues ${f.queues.join(', ')}`);
  if (f.agents?.length) parts.push(`agents ${f.agents.join(', ')}`);
  if (f.extensions?.length) parts.push(`extensions ${f.extensions.join(', ')}`);
  if (f.department_id) parts.push(`department ${departmentName ?? f.department_id}`);
  if (f.dids?.length) parts.push(`numbers ${f.dids.join(', ')}`);
  return parts.join(', ');
}

// Rows with machine values (rates as fractions, seconds as numbers), the same columns as the
// page's table: what a spreadsheet wants.
export function reportCsv(result: ReportResult): string {
  const kpis = result.query.kpis;
  // Labels are names admins and callers chose: escaped like every other CSV (lib/csv.ts).
  return toCsv(
    ['key', 'label', ...kpis],
    [
      ...result.rows.map((r) => [r.key, r.label, ...kpis.map((k) => r.values[k] ?? null)]),
      ['total', 'Total', ...kpis.map((k) => result.totals[k] ?? null)],
    ],
  );
}

export function chartPng(svg: string): Buffer {
  return new Resvg(svg, {
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
}

// The same (schedule, period) always gets the same Message-ID, so a resend after a crash in
// mid-send is recognisably the same email.
export function reportMessageId(scheduleId: number, periodFrom: Date, fromAddress: string): string {
  const domain = fromAddress.split('@')[1] ?? 'switchboard.invalid';
  const tag = createHash('sha256')
    .update(`${scheduleId}\0${periodFrom.toISOString()}`)
    .digest('hex')
    .slice(0, 12);
  return `<report.${scheduleId}.${periodFrom.getTime()}.${tag}@${domain}>`;
}

export interface ReportEmail {
  scheduleId: number;
  recipients: string[];
  template: ReportTemplateView;
  departmentName: string | null;
  period: { from: Date; to: Date };
  timezone: string;
  result: ReportResult;
}

export function composeReportEmail(mail: ReportEmail) {
  const kpis = mail.result.query.kpis;
  const label = periodLabel(mail.period, mail.timezone);
  const title = clean(mail.template.name);
  const csvName = `${title.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'report'}-${localDate(mail.period.from, mail.timezone)}.csv`;
  const chartCid = `chart.${mail.scheduleId}@switchboard`;
  const view = {
    title,
    periodLabel: label,
    timezone: mail.timezone,
    groupLabel: GROUP_LABEL[mail.template.group_by] ?? mail.template.group_by,
    filterText: filterText(mail.template, mail.departmentName),
    totals: kpis.map((k) => ({ kpi: k, label: KPI_LABEL[k], value: formatKpi(k, mail.result.totals[k]) })),
    headers: kpis.map((k) => KPI_LABEL[k]),
    rows: mail.result.rows.map((r) => ({
      key: r.key,
      label: clean(r.label),
      cells: kpis.map((k) => ({ kpi: k, value: formatKpi(k, r.values[k]) })),
    })),
    chartCid,
    csvName,
    scheduleId: mail.scheduleId,
  };
  const svg = reportChartSvg({ title: `${title} – ${label}`, rows: mail.result.rows, kpis });
  return {
    subject: `${title}: ${label}`,
    html: html(view),
    text: text(view),
    attachments: [
      { filename: 'chart.png', contentType: 'image/png', content: chartPng(svg), cid: chartCid },
      {
        filename: csvName,
        contentType: 'text/csv; charset=utf-8',
        content: Buffer.from(reportCsv(mail.result), 'utf8'),
      },
    ],
  };
}

export async function sendReportEmail(s: SmtpSettings, mail: ReportEmail, messageId: string): Promise<void> {
  const composed = composeReportEmail(mail);
  const transport = transportFor(s);
  try {
    await transport.sendMail({
      from: { name: s.from_name ?? 'Switchboard Reports', address: s.from_address },
      to: mail.recipients,
      subject: composed.subject,
      messageId,
      headers: { 'X-Switchboard-Report-Schedule': String(mail.scheduleId) },
      text: composed.text,
      html: composed.html,
      attachments: composed.attachments,
    });
  } finally {
    transport.close();
  }
}
