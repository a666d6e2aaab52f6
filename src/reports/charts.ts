import { COUNT_KPIS, type Kpi, type ReportRow } from './types';

// Server-rendered SVG charts: the page needs no script (CSP script-src 'self') and the same SVG
// becomes the PNG in the scheduled email. Every text is escaped; labels come from the data.

export const RATE_KPIS: readonly Kpi[] = ['answer_rate', 'abandon_rate', 'service_level'];
export const SECONDS_KPIS: readonly Kpi[] = [
  'asa_seconds',
  'aht_seconds',
  'longest_wait_seconds',
  'talk_seconds',
];

export const KPI_LABEL: Record<Kpi, string> = {
  offered: 'Offered',
  answered: 'Answered',
  abandoned: 'Abandoned',
  short_abandoned: 'Short abandoned',
  missed: 'Missed',
  voicemail: 'Voicemail left',
  callback: 'Callback requested',
  answer_rate: 'Answer rate',
  abandon_rate: 'Abandon rate',
  asa_seconds: 'ASA (s)',
  aht_seconds: 'AHT (s)',
  service_level: 'Service level',
  longest_wait_seconds: 'Longest wait (s)',
  talk_seconds: 'Talk time (s)',
};

const PALETTE = ['#2f6fb0', '#3a9a5b', '#d08a1e', '#b04040', '#7a52a8', '#2a9d9d', '#8a8a3a'];
const LINE_PALETTE = ['#111111', '#c0392b', '#16a085'];

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Rates are fractions 0..1 in the report engine; people read percent.
export function formatKpi(kpi: Kpi, value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (RATE_KPIS.includes(kpi)) return `${(value * 100).toFixed(1)}%`;
  if (SECONDS_KPIS.includes(kpi)) return Number.isInteger(value) ? String(value) : value.toFixed(1);
  return String(Math.round(value));
}

function niceMax(n: number): number {
  if (n <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

export interface ChartInput {
  title: string;
  rows: readonly ReportRow[];
  kpis: readonly Kpi[];
}

const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';

// Grouped bars for the chosen count KPIs (left axis), lines for the chosen rates (right axis,
// 0-100 %). Seconds KPIs stay in the table: a third unit on one chart misleads.
export function reportChartSvg({ title, rows, kpis }: ChartInput): string {
  const bars = kpis.filter((k) => (COUNT_KPIS as readonly Kpi[]).includes(k));
  const lines = kpis.filter((k) => RATE_KPIS.includes(k));
  const width = 960;
  const height = 360;
  const m = { top: 40, right: lines.length ? 56 : 20, bottom: 70, left: 56 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const n = Math.max(rows.length, 1);
  const slot = plotW / n;
  const maxValue = niceMax(Math.max(0, ...rows.flatMap((r) => bars.map((k) => Number(r.values[k] ?? 0)))));
  const y = (v: number) => m.top + plotH - (v / maxValue) * plotH;
  const yRate = (v: number) => m.top + plotH - Math.min(Math.max(v, 0), 1) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}" data-chart="report">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${m.left}" y="22" font-size="15" font-weight="bold" ${FONT}>${escapeXml(title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (maxValue / 5) * i;
    const yy = y(v).toFixed(1);
    out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${yy}" y2="${yy}" stroke="#e3e3e3"/>`);
    out.push(
      `<text x="${m.left - 6}" y="${yy}" font-size="11" text-anchor="end" dominant-baseline="middle" ${FONT}>${Number.isInteger(v) ? v : v.toFixed(1)}</text>`,
    );
    if (lines.length)
      out.push(
        `<text x="${m.left + plotW + 6}" y="${yRate(i / 5).toFixed(1)}" font-size="11" dominant-baseline="middle" ${FONT}>${i * 20}%</text>`,
      );
  }
  if (rows.length === 0)
    out.push(
      `<text x="${m.left + plotW / 2}" y="${m.top + plotH / 2}" font-size="14" text-anchor="middle" fill="#777" ${FONT}>No calls in this period</text>`,
    );
  const barW = bars.length ? Math.max(1, (slot * 0.8) / bars.length) : 0;
  const labelEvery = Math.ceil(rows.length / 24);
  rows.forEach((row, i) => {
    const x0 = m.left + i * slot + slot * 0.1;
    bars.forEach((k, j) => {
      const v = Number(row.values[k] ?? 0);
      const top = y(v);
      out.push(
        `<rect x="${(x0 + j * barW).toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(barW - 1, 1).toFixed(1)}" height="${(m.top + plotH - top).toFixed(1)}" fill="${PALETTE[j % PALETTE.length]}" data-kpi="${k}" data-value="${v}"><title>${escapeXml(`${row.label}: ${KPI_LABEL[k]} ${v}`)}</title></rect>`,
      );
    });
    if (i % labelEvery === 0) {
      const cx = m.left + i * slot + slot / 2;
      const ly = m.top + plotH + 14;
      out.push(
        `<text x="${cx.toFixed(1)}" y="${ly}" font-size="10" text-anchor="end" transform="rotate(-35 ${cx.toFixed(1)} ${ly})" ${FONT}>${escapeXml(row.label.slice(0, 24))}</text>`,
      );
    }
  });
  lines.forEach((k, j) => {
    const points = rows
      .map((row, i) => ({ i, v: row.values[k] }))
      .filter((p): p is { i: number; v: number } => typeof p.v === 'number')
      .map((p) => `${(m.left + p.i * slot + slot / 2).toFixed(1)},${yRate(p.v).toFixed(1)}`);
    const colour = LINE_PALETTE[j % LINE_PALETTE.length];
    if (points.length > 1)
      out.push(
        `<polyline points="${points.join(' ')}" fill="none" stroke="${colour}" stroke-width="2" data-kpi="${k}"/>`,
      );
    for (const p of points) {
      const [cx, cy] = p.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${colour}" data-kpi="${k}"/>`);
    }
  });
  out.push(
    `<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#555"/>`,
  );
  // Legend, top right.
  let lx = width - m.right;
  const legend = [
    ...bars.map((k, j) => ({ k, colour: PALETTE[j % PALETTE.length], line: false })),
    ...lines.map((k, j) => ({ k, colour: LINE_PALETTE[j % LINE_PALETTE.length], line: true })),
  ].reverse();
  for (const item of legend) {
    const label = KPI_LABEL[item.k];
    lx -= label.length * 6.5 + 22;
    out.push(
      item.line
        ? `<line x1="${lx}" x2="${lx + 12}" y1="18" y2="18" stroke="${item.colour}" stroke-width="2"/>`
        : `<rect x="${lx}" y="12" width="12" height="12" fill="${item.colour}"/>`,
    );
    out.push(`<text x="${lx + 16}" y="22" font-size="11" ${FONT}>${escapeXml(label)}</text>`);
  }
  out.push('</svg>');
  return out.join('');
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
// Monday first, as most weeks in business are read.
const DAY_ORDER = [1, 2, 3, 4, 5, 6, 0];

// Busiest hours: 7 rows (Monday first) × 24 hours, darker for more calls offered. The rows are
// the engine's hour_of_week rows, keyed "<weekday 0=Sunday>-<hour>".
export function heatmapSvg(rows: readonly ReportRow[], kpi: Kpi = 'offered'): string {
  const cell = 32;
  const left = 44;
  const top = 24;
  const width = left + 24 * cell + 10;
  const height = top + 7 * cell + 10;
  const grid = new Map<string, number>();
  for (const r of rows) {
    const v = r.values[kpi];
    if (/^[0-6]-([0-9]|1[0-9]|2[0-3])$/.test(r.key) && typeof v === 'number') grid.set(r.key, v);
  }
  const max = Math.max(0, ...grid.values());
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Busiest hours" data-chart="heatmap">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  for (let h = 0; h < 24; h++)
    out.push(
      `<text x="${left + h * cell + cell / 2}" y="${top - 8}" font-size="10" text-anchor="middle" ${FONT}>${String(h).padStart(2, '0')}</text>`,
    );
  DAY_ORDER.forEach((d, row) => {
    const yy = top + row * cell;
    out.push(
      `<text x="${left - 6}" y="${yy + cell / 2}" font-size="11" text-anchor="end" dominant-baseline="middle" ${FONT}>${DAY_NAMES[d]}</text>`,
    );
    for (let h = 0; h < 24; h++) {
      const v = grid.get(`${d}-${h}`) ?? 0;
      const t = max > 0 ? v / max : 0;
      // White → deep blue.
      const c = (a: number, b: number) => Math.round(a + (b - a) * t);
      const fill = `rgb(${c(255, 23)},${c(255, 74)},${c(255, 140)})`;
      out.push(
        `<rect x="${left + h * cell}" y="${yy}" width="${cell - 2}" height="${cell - 2}" fill="${fill}" stroke="#dddddd" data-cell="${d}-${h}" data-value="${v}"><title>${DAY_NAMES[d]} ${String(h).padStart(2, '0')}:00 – ${v} ${escapeXml(KPI_LABEL[kpi].toLowerCase())}</title></rect>`,
      );
      if (v > 0)
        out.push(
          `<text x="${left + h * cell + (cell - 2) / 2}" y="${yy + (cell - 2) / 2}" font-size="10" text-anchor="middle" dominant-baseline="middle" fill="${t > 0.5 ? '#ffffff' : '#222222'}" ${FONT}>${v}</text>`,
        );
    }
  });
  out.push('</svg>');
  return out.join('');
}
