import type { ParsedMail } from 'mailparser';
import { reportSchedulerFor } from '../../src/reports/schedules/scheduler';
import { useTestApp } from '../support/app';
import { HOSTILE } from '../support/hostile';
import { startSmtp, type TestSmtp } from '../support/smtp';

// Scheduled reports end to end on a real MariaDB and a real SMTP server (smtp-server): journeys
// inserted as the journey builder stores them, rolled up by the real rollup, a template and a
// schedule created through the API, then "send now", a due run of the scheduler, SMTP down and
// back. The email's figures are compared with numbers worked out by hand below.

jest.setTimeout(120_000);

const app = useTestApp();
let smtp: TestSmtp;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const todayUtc = new Date(Math.floor(Date.now() / DAY) * DAY);
const yesterdayUtc = new Date(todayUtc.getTime() - DAY);
let seq = 0;
// An hour of the day 12 h from now: a schedule at that time cannot fire while the test runs.
const farHourUtc = (new Date().getUTCHours() + 12) % 24;
const pad = (n: number) => String(n).padStart(2, '0');

type Outcome = 'answered' | 'missed' | 'voicemail' | 'abandoned';
async function journey(at: Date, direction: 'inbound' | 'outbound', outcome: Outcome, wait = 10, talk = 0) {
  seq += 1;
  await app.sb.deps.db('call_journeys').insert({
    linkedid: `h3-${seq}-${at.getTime()}`,
    started_at: at,
    answered_at: outcome === 'answered' ? new Date(at.getTime() + wait * 1000) : null,
    ended_at: new Date(at.getTime() + (wait + talk) * 1000),
    direction,
    caller_number: '+3225550100',
    called_number: '1001',
    outcome,
    wait_seconds: wait,
    talk_seconds: talk,
    duration_seconds: wait + talk,
    steps: '[]',
  });
}

const scheduler = () => {
  const s = reportSchedulerFor(app.sb.deps.db);
  if (!s) throw new Error('the app has no report scheduler');
  return s;
};
const summary = (mail: ParsedMail, kpi: string) =>
  new RegExp(`<table data-summary[\\s\\S]*?data-kpi="${kpi}"[^>]*>([^<]*)<`).exec(String(mail.html))?.[1];
const rowValues = (mail: ParsedMail, kpi: string) =>
  [...String(mail.html).matchAll(/<tr data-row="[^"]*">[\s\S]*?<\/tr>/g)].map(
    (m) => new RegExp(`data-kpi="${kpi}"[^>]*>([^<]*)<`).exec(m[0])?.[1],
  );
const csvOf = (mail: ParsedMail) => {
  const a = mail.attachments.find((x) => x.contentType.startsWith('text/csv'));
  return a ? a.content.toString('utf8') : '';
};
const counts = async () => ({
  templates: Number((await app.sb.deps.db('report_templates').count({ n: '*' }))[0]?.n),
  schedules: Number((await app.sb.deps.db('report_schedules').count({ n: '*' }))[0]?.n),
  departments: Number((await app.sb.deps.db('departments').count({ n: '*' }))[0]?.n),
});

let templateId: number;

beforeAll(async () => {
  smtp = await startSmtp();
  const put = await app.api('PUT', '/api/v1/smtp', {
    body: { host: '127.0.0.1', port: smtp.port, tls_mode: 'none', from_address: 'pbx@example.test' },
  });
  expect(put.status).toBe(200);

  const Y = yesterdayUtc.getTime();
  const at = (ms: number) => new Date(ms);
  // Yesterday (UTC), inbound: 09h → 2 answered + 1 missed; 14h → 1 voicemail + 1 abandoned.
  await journey(at(Y + 9 * HOUR + 10 * 60_000), 'inbound', 'answered', 5, 60);
  await journey(at(Y + 9 * HOUR + 20 * 60_000), 'inbound', 'answered', 12, 120);
  await journey(at(Y + 9 * HOUR + 40 * 60_000), 'inbound', 'missed', 20);
  await journey(at(Y + 14 * HOUR + 5 * 60_000), 'inbound', 'voicemail', 25);
  await journey(at(Y + 14 * HOUR + 30 * 60_000), 'inbound', 'abandoned', 30);
  // Not in the report: outbound yesterday, inbound the day before and today.
  await journey(at(Y + 14 * HOUR + 50 * 60_000), 'outbound', 'answered', 3, 40);
  await journey(at(Y - 14 * HOUR), 'inbound', 'answered', 4, 30);
  await journey(at(todayUtc.getTime() + 10 * 60_000), 'inbound', 'answered', 4, 30);
  await app.sb.analytics.rollup();

  const t = await app.api('POST', '/api/v1/report-templates', {
    body: {
      name: 'Daily inbound',
      group_by: 'hour',
      kpis: ['offered', 'answered', 'missed', 'voicemail', 'answer_rate'],
      filters: { direction: 'inbound' },
      range_preset: 'yesterday',
    },
  });
  expect(t.status).toBe(201);
  templateId = t.body.id;
}, 120_000);

afterAll(async () => {
  await smtp?.close();
});

describe('report templates', () => {
  it('runs a saved template over an explicit period with the figures of the rollups, refusing a date that does not exist', async () => {
    const from = yesterdayUtc.toISOString();
    const to = todayUtc.toISOString();
    const res = await app.api('GET', `/api/v1/report-templates/${templateId}/run?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    expect(res.body.result.totals).toEqual({
      offered: 5,
      answered: 2,
      missed: 1,
      voicemail: 1,
      answer_rate: 0.4,
    });
    expect(res.body.result.rows.map((r: { values: { offered: number } }) => r.values.offered)).toEqual([
      3, 2,
    ]);
    const bad = await app.api('GET', `/api/v1/report-templates/${templateId}/run?from=2026-02-30&to=${to}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'from', message: 'is not a real date' }]);
  });

  it('refuses an unknown KPI, an unknown grouping, a hostile name and a missing department with 400, storing nothing', async () => {
    const before = await counts();
    const body = (over: Record<string, unknown>) => ({
      name: 'Bad',
      group_by: 'day',
      kpis: ['offered'],
      ...over,
    });
    const bad = [
      body({ kpis: ['offered', 'revenue'] }),
      body({ group_by: 'fortnight' }),
      body({ filters: { department_id: 999 } }),
      body({ filters: { queues: ['600;x'] } }),
      body({ range_preset: 'forever' }),
      ...HOSTILE.map((name) => body({ name })),
    ];
    for (const b of bad) {
      const res = await app.api('POST', '/api/v1/report-templates', { body: b });
      expect(res.status).toBe(400);
      expect(res.body.error.details.length).toBeGreaterThan(0);
    }
    const unknownKpi = await app.api('POST', '/api/v1/report-templates', {
      body: body({ kpis: ['revenue'] }),
    });
    expect(unknownKpi.body.error.details[0].message).toContain('unknown KPI "revenue"');
    expect(await counts()).toEqual(before);
  });

  it('refuses a second template with the same name with 409', async () => {
    const res = await app.api('POST', '/api/v1/report-templates', {
      body: { name: 'Daily inbound', group_by: 'day', kpis: ['offered'] },
    });
    expect(res.status).toBe(409);
  });

  it('lets a plain user neither read nor write templates', async () => {
    expect((await app.api('GET', '/api/v1/report-templates', { token: app.tokens.user })).status).toBe(403);
    expect((await app.api('GET', '/api/v1/report-templates', { token: app.tokens.supervisor })).status).toBe(
      200,
    );
  });
});

describe('departments', () => {
  it('creates a department of existing extensions and refuses unknown ones with 400', async () => {
    for (const number of ['1001', '1002']) {
      const res = await app.api('POST', '/api/v1/extensions', {
        body: { number, display_name: `Ext ${number}` },
      });
      expect(res.status).toBe(201);
    }
    const before = await counts();
    const unknown = await app.api('POST', '/api/v1/departments', {
      body: { name: 'Sales', extensions: ['1001', '1999'] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([
      { path: 'extensions.1', message: 'extension 1999 does not exist' },
    ]);
    for (const name of HOSTILE) {
      const res = await app.api('POST', '/api/v1/departments', { body: { name, extensions: [] } });
      expect(res.status).toBe(400);
    }
    expect(await counts()).toEqual(before);
    const ok = await app.api('POST', '/api/v1/departments', {
      body: { name: 'Sales', extensions: ['1002', '1001'] },
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ id: expect.any(Number), name: 'Sales', extensions: ['1001', '1002'] });
    const asSupervisor = await app.api('POST', '/api/v1/departments', {
      token: app.tokens.supervisor,
      body: { name: 'Support', extensions: [] },
    });
    expect(asSupervisor.status).toBe(403);
    const list = await app.api('GET', '/api/v1/departments', { token: app.tokens.supervisor });
    expect(list.body.items.map((d: { name: string }) => d.name)).toEqual(['Sales']);
  });

  it('keeps a department a template filters on (409) until the template is gone', async () => {
    const [sales] = (await app.api('GET', '/api/v1/departments')).body.items;
    const t = await app.api('POST', '/api/v1/report-templates', {
      body: { name: 'Sales week', group_by: 'day', kpis: ['offered'], filters: { department_id: sales.id } },
    });
    expect(t.status).toBe(201);
    const refused = await app.api('DELETE', `/api/v1/departments/${sales.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('Sales week');
    expect((await app.api('DELETE', `/api/v1/report-templates/${t.body.id}`)).status).toBe(204);
    expect((await app.api('DELETE', `/api/v1/departments/${sales.id}`)).status).toBe(204);
  });
});

describe('scheduled reports', () => {
  let dailyUtc: number;

  it('refuses a bad cron expression, timezone, recipient with a newline or unknown template with 400, storing nothing', async () => {
    const before = await counts();
    const body = (over: Record<string, unknown>) => ({
      template_id: templateId,
      frequency: 'daily',
      timezone: 'UTC',
      recipients: ['boss@example.test'],
      ...over,
    });
    const cases: Array<[Record<string, unknown>, string]> = [
      [body({ frequency: 'cron', cron_expression: '61 * * * *' }), 'cron_expression'],
      [body({ frequency: 'cron', cron_expression: '0 6 * * 1\n#exec' }), 'cron_expression'],
      [body({ frequency: 'cron' }), 'cron_expression'],
      [body({ timezone: 'Mars/Olympus' }), 'timezone'],
      [body({ timezone: 'UTC\nX' }), 'timezone'],
      [body({ recipients: ['boss@example.test\nBcc: all@example.test'] }), 'recipients.0'],
      [body({ recipients: ['not an address'] }), 'recipients.0'],
      [body({ recipients: [] }), 'recipients'],
      [body({ time_of_day: '25:00' }), 'time_of_day'],
      [body({ template_id: 999999 }), 'template_id'],
    ];
    for (const [b, path] of cases) {
      const res = await app.api('POST', '/api/v1/report-schedules', { body: b });
      expect([res.status, res.body.error.details.map((d: { path: string }) => d.path)]).toEqual([
        400,
        [path],
      ]);
    }
    expect(await counts()).toEqual(before);
  });

  it('sends now: one email whose HTML figures, PNG chart and CSV match the hand-computed report', async () => {
    const res = await app.api('POST', '/api/v1/report-schedules', {
      body: {
        template_id: templateId,
        frequency: 'daily',
        time_of_day: `${pad(farHourUtc)}:00`,
        timezone: 'UTC',
        recipients: ['boss@example.test', 'team@example.test'],
      },
    });
    expect(res.status).toBe(201);
    dailyUtc = res.body.id;
    expect(res.body.effective_cron).toBe(`0 ${farHourUtc} * * *`);

    const sent = await app.api('POST', `/api/v1/report-schedules/${dailyUtc}/send-now`);
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      status: 'sent',
      attempts: 1,
      period_from: yesterdayUtc.toISOString(),
      period_to: todayUtc.toISOString(),
    });
    const [mail] = await smtp.waitFor(1);
    expect(smtp.recipients[0]).toEqual(['boss@example.test', 'team@example.test']);
    expect(mail!.subject).toBe(`Daily inbound: ${yesterdayUtc.toISOString().slice(0, 10)}`);
    expect(summary(mail!, 'offered')).toBe('5');
    expect(summary(mail!, 'answered')).toBe('2');
    expect(summary(mail!, 'missed')).toBe('1');
    expect(summary(mail!, 'voicemail')).toBe('1');
    expect(summary(mail!, 'answer_rate')).toBe('40.0%');
    // One row per hour with calls: 09:00 (3 offered, 2 of them answered) and 14:00 (2, none).
    expect(rowValues(mail!, 'offered')).toEqual(['3', '2']);
    expect(rowValues(mail!, 'answer_rate')).toEqual(['66.7%', '0.0%']);
    expect(mail!.text).toContain('Offered: 5');

    const png = mail!.attachments.find((a) => a.contentType === 'image/png');
    expect(png?.content.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png!.content.length).toBeGreaterThan(2000);
    // Inline (cid:) in the HTML; mailparser turns the reference into a data: URL.
    expect(png!.related).toBe(true);
    expect(String(mail!.html)).toContain('<img src="data:image/png;base64,');
    const csv = csvOf(mail!).trim().split(/\r?\n/);
    expect(csv[0]).toBe('key,label,offered,answered,missed,voicemail,answer_rate');
    expect(csv.slice(1).map((l) => l.split(',').slice(2).join(','))).toEqual([
      '3,2,1,0,0.6667',
      '2,0,0,1,0',
      '5,2,1,1,0.4',
    ]);

    // The same period again: already sent, not sent twice.
    const again = await app.api('POST', `/api/v1/report-schedules/${dailyUtc}/send-now`);
    expect(again.body).toMatchObject({ id: sent.body.id, status: 'sent', attempts: 1 });
    // send-now delivers within the request, and the SMTP server keeps an email before it answers
    // 250: had this request sent again, its email would be in `received` by its response.
    expect(smtp.received).toHaveLength(1);
    const log = await app.api('GET', `/api/v1/report-schedules/${dailyUtc}/sends`);
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0].message_id).toBe(mail!.messageId);
  });

  it('a due run sends the previous day in the schedule timezone, once however often it runs', async () => {
    // The UTC schedule stops; changing it reloads the scheduler.
    const off = await app.api('PUT', `/api/v1/report-schedules/${dailyUtc}`, {
      body: {
        template_id: templateId,
        frequency: 'daily',
        timezone: 'UTC',
        recipients: ['boss@example.test'],
        enabled: false,
      },
    });
    expect(off.status).toBe(200);
    // Asia/Tokyo is UTC+9 without DST. The time of day is 12 h away from now, so the app's own
    // minute job never fires it during the test.
    const tokyoHour = (farHourUtc + 9) % 24;
    const res = await app.api('POST', '/api/v1/report-schedules', {
      body: {
        template_id: templateId,
        frequency: 'daily',
        time_of_day: `${pad(tokyoHour)}:00`,
        timezone: 'Asia/Tokyo',
        recipients: ['tokyo@example.test'],
      },
    });
    expect(res.status).toBe(201);
    const D = todayUtc.getTime();
    // Tokyo's day D+2 is [D+1 15:00Z, D+2 15:00Z): two inbound calls inside, two just outside.
    await journey(new Date(D + DAY + 16 * HOUR), 'inbound', 'answered', 8, 50);
    await journey(new Date(D + 2 * DAY + 14 * HOUR + 59 * 60_000), 'inbound', 'missed', 15);
    await journey(new Date(D + 2 * DAY + 15 * HOUR + 60_000), 'inbound', 'answered', 8, 50);
    await journey(new Date(D + DAY + 14 * HOUR), 'inbound', 'answered', 8, 50);
    await app.sb.analytics.rollup();

    // The fire on Tokyo's day D+3 (its UTC instant is between D+2 15:00 and D+3 14:00), plus 30 min.
    const now = new Date(D + 3 * DAY + (tokyoHour - 9) * HOUR + 30 * 60_000);
    const fired = await scheduler().runDue(now);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({
      schedule_id: res.body.id,
      status: 'sent',
      period_from: new Date(D + DAY + 15 * HOUR).toISOString(),
      period_to: new Date(D + 2 * DAY + 15 * HOUR).toISOString(),
    });
    expect(await scheduler().runDue(now)).toEqual([]);
    expect(await scheduler().runDue(new Date(now.getTime() + HOUR))).toEqual([]);
    await smtp.waitFor(2);
    // Each runDue() above resolved only once its sends were through SMTP, which keeps an email
    // before it answers 250: a second email from any of them would be here already.
    expect(smtp.received).toHaveLength(2);
    const mail = smtp.received[1]!;
    expect(smtp.recipients[1]).toEqual(['tokyo@example.test']);
    expect(summary(mail, 'offered')).toBe('2');
    expect(summary(mail, 'answered')).toBe('1');
    expect(summary(mail, 'missed')).toBe('1');
    expect(summary(mail, 'answer_rate')).toBe('50.0%');
    expect(csvOf(mail).trim().split(/\r?\n/).at(-1)).toBe('total,Total,2,1,1,0,0.5');
    // Disabled: the UTC schedule sent nothing for its own due day.
    const utcLog = await app.api('GET', `/api/v1/report-schedules/${dailyUtc}/sends`);
    expect(utcLog.body.items).toHaveLength(1);
    await app.api('DELETE', `/api/v1/report-schedules/${res.body.id}`);
  });

  it('SMTP down: the send is logged failed with the error after 1 attempt; back up, the retry sends it once', async () => {
    const res = await app.api('POST', '/api/v1/report-schedules', {
      body: {
        template_id: templateId,
        frequency: 'weekly',
        weekday: 1,
        timezone: 'UTC',
        recipients: ['retry@example.test'],
        enabled: false,
      },
    });
    expect(res.status).toBe(201);
    const port = smtp.port;
    const sink = { received: smtp.received, recipients: smtp.recipients };
    await smtp.close();

    const failed = await app.api('POST', `/api/v1/report-schedules/${res.body.id}/send-now`);
    expect(failed.status).toBe(200);
    expect(failed.body.status).toBe('failed');
    expect(failed.body.attempts).toBe(1);
    expect(failed.body.last_error).toMatch(/ECONNREFUSED|connect/i);
    const log = await app.api('GET', `/api/v1/report-schedules/${res.body.id}/sends`);
    expect(log.body.items).toEqual([expect.objectContaining({ status: 'failed', attempts: 1 })]);
    const nextAt = new Date(log.body.items[0].next_attempt_at).getTime();
    // First backoff: one minute.
    expect(nextAt - Date.now()).toBeGreaterThan(50_000);
    expect(nextAt - Date.now()).toBeLessThanOrEqual(60_000);
    // Not due yet: nothing is tried.
    expect(await scheduler().retryDue()).toBe(0);

    smtp = await startSmtp(port, sink);
    const later = new Date(nextAt + 1000);
    await Promise.all([scheduler().retryDue(later), scheduler().retryDue(later)]);
    await scheduler().retryDue(later);
    await smtp.waitFor(3);
    // The three retryDue() runs resolved only once their sends were through SMTP, which keeps an
    // email before it answers 250: a duplicate from the concurrent runs would be here already.
    expect(smtp.received).toHaveLength(3);
    expect(smtp.recipients[2]).toEqual(['retry@example.test']);
    const after = await app.api('GET', `/api/v1/report-schedules/${res.body.id}/sends`);
    expect(after.body.items).toEqual([
      expect.objectContaining({ status: 'sent', attempts: 2, last_error: null, next_attempt_at: null }),
    ]);
    // Last week's report (Monday to Sunday): the calls of yesterday are in it only if yesterday
    // was in last week; the subject names the week either way.
    expect(smtp.received[2]!.subject).toMatch(/^Daily inbound: \d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}$/);
  });

  it('answers malformed bodies and queries with 400, never 500, on every endpoint of this feature', async () => {
    const bodies: unknown[] = [
      null,
      [],
      'x',
      42,
      { name: 5, group_by: [], kpis: 'offered', filters: [] },
      {
        template_id: '1',
        frequency: 7,
        recipients: [5, null],
        timezone: 3,
        cron_expression: 9,
        enabled: 'yes',
      },
      {
        template_id: templateId,
        frequency: 'cron',
        cron_expression: ['0 6 * * *'],
        recipients: 'a@example.test',
      },
      { name: ['Sales'], extensions: [1001, '1002'] },
      {
        filters: { department_id: '1', queues: [600], dids: 'x' },
        name: 'n',
        group_by: 'day',
        kpis: ['offered'],
      },
    ];
    for (const path of ['/api/v1/report-templates', '/api/v1/report-schedules', '/api/v1/departments']) {
      for (const body of bodies) {
        const res = await app.api('POST', path, { body });
        expect([path, res.status]).toEqual([path, 400]);
      }
    }
    for (const q of [
      'from=2026-02-30&to=x',
      'from=2026-12-01',
      'from[]=a&to=b',
      'to=2026-11-01&from=2026-12-01',
      'x=1',
    ]) {
      const res = await app.api('GET', `/api/v1/report-templates/${templateId}/run?${q}`);
      expect([q, res.status]).toEqual([q, 400]);
    }
    for (const id of ['0', 'abc', '99999999999', '-1']) {
      expect((await app.api('GET', `/api/v1/report-schedules/${id}/sends`)).status).toBe(400);
    }
    expect((await app.api('POST', '/api/v1/report-schedules/424242/send-now')).status).toBe(404);
  });

  it('keeps a template that a schedule sends (409) and deletes the schedule with its log', async () => {
    const del = await app.api('DELETE', `/api/v1/report-templates/${templateId}`);
    expect(del.status).toBe(409);
    const list = await app.api('GET', '/api/v1/report-schedules', { token: app.tokens.supervisor });
    expect(list.status).toBe(200);
    const write = await app.api('DELETE', `/api/v1/report-schedules/${dailyUtc}`, {
      token: app.tokens.supervisor,
    });
    expect(write.status).toBe(403);
    expect((await app.api('DELETE', `/api/v1/report-schedules/${dailyUtc}`)).status).toBe(204);
    expect(await app.sb.deps.db('report_sends').where({ schedule_id: dailyUtc }).count({ n: '*' })).toEqual([
      { n: 0 },
    ]);
  });
});
