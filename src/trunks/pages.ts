import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { CODECS } from '../extensions';
import type { ErrorDetail } from '../http/errors';
import { formNumber, formTarget, handleForm, type NumberRange, parseForm } from '../web/forms';
import { formList, formString, formText, notFoundPage, requirePage, sendPage } from '../web/page-helpers';
import * as repo from './repo';
import { CreateTrunk, type TrunkStatus, UpdateTrunk } from './schema';
import * as service from './service';
import { trunkStatuses } from './status';

const KINDS = [
  { value: 'registration', label: 'Registration (the PBX registers to the carrier)' },
  { value: 'ip', label: 'IP-authenticated (the carrier knows our address)' },
];
const TRANSPORTS = ['udp', 'tcp'];
const PRESENTATIONS = [
  { value: 'allowed', label: 'Allowed (show our number)' },
  { value: 'withheld', label: 'Withheld (anonymous)' },
];
const DTMF_MODES = ['rfc4733', 'inband', 'info', 'auto'];
const NUMBER_FORMATS = [
  { value: 'as_dialled', label: 'As dialled (after strip/prepend)' },
  { value: 'e164_plus', label: 'E.164 with leading +' },
];

const LABELS: Record<string, string> = { not_applicable: 'not applicable' };
export const statusLabel = (state: string): string => LABELS[state] ?? state;

function statusView(status: TrunkStatus | undefined) {
  const s = status ?? { registration: 'unknown', reason: null, reachability: 'unknown' };
  return {
    registration: s.registration,
    registrationLabel: statusLabel(s.registration),
    reason: s.reason ?? '',
    reachability: s.reachability,
  };
}

// The trunk's number fields and their ranges (the schema's).
const NUMBER_FIELDS: Record<string, NumberRange> = {
  port: { min: 1, max: 65_535 },
  registration_expiry: { min: 60, max: 86_400 },
  retry_interval: { min: 10, max: 3600 },
  max_channels: { min: 0, max: 10_000 },
};

// "one per line or comma-separated"
export function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

// Turns a submitted form into the API's shape, so pages and API share one schema and service.
function fromForm(body: unknown, isNew: boolean): Record<string, unknown> {
  const text = (k: string) => formText(body, k);
  const out: Record<string, unknown> = {};
  if (isNew) out['name'] = (formString(body, 'name') ?? '').trim();
  out['kind'] = formString(body, 'kind') ?? '';
  out['host'] = (formString(body, 'host') ?? '').trim();
  for (const [key, range] of Object.entries(NUMBER_FIELDS)) {
    const n = formNumber(body, key, range);
    if (n !== undefined) out[key] = n;
  }
  if (text('transport')) out['transport'] = text('transport');
  out['username'] = text('username') ?? null;
  // Write-only: an empty box means "no password" on create and "keep the stored one" on edit.
  if (formString(body, 'password')) out['password'] = formString(body, 'password');
  out['from_user'] = text('from_user') ?? null;
  out['from_domain'] = text('from_domain') ?? null;
  out['peer_addresses'] = splitList(formString(body, 'peer_addresses'));
  out['codecs'] = formList(body, 'codecs');
  for (const key of ['caller_id_presentation', 'dtmf_mode', 'number_format']) {
    if (text(key)) out[key] = text(key);
  }
  out['qualify'] = formString(body, 'qualify') === 'yes';
  return out;
}

// `peer_addresses.1` and `codecs.0` are shown under their one box, naming the bad entry.
export function fieldErrors(details: ErrorDetail[], raw: Record<string, unknown>): ErrorDetail[] {
  return details.map((d) => {
    const m = /^([a-z_]+)\.([0-9]+)$/.exec(d.path);
    if (!m) return d;
    const list = raw[m[1]!];
    const value = Array.isArray(list) ? list[Number(m[2])] : undefined;
    return { path: m[1]!, message: value === undefined ? d.message : `“${String(value)}”: ${d.message}` };
  });
}

function formValues(raw: Record<string, unknown>) {
  const peers = raw['peer_addresses'];
  return { ...raw, password: undefined, peer_addresses_text: Array.isArray(peers) ? peers.join('\n') : '' };
}

export function trunkPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const actor = (req: Parameters<typeof actorName>[0]) => actorFor(deps, actorName(req));

  router.get('/trunks', requirePage('admin', 'supervisor'), async (req, res) => {
    const rows = await repo.list(deps.db);
    const statuses = await trunkStatuses(deps, rows);
    sendPage(req, res, 'trunks/list', {
      title: 'Trunks',
      nav: 'trunks',
      items: rows.map((r) => ({ ...repo.toApi(r), status: statusView(statuses.get(r.id)) })),
    });
  });

  const form = (values: Record<string, unknown>, extra: Record<string, unknown>) => ({
    title: extra['isNew'] ? 'New trunk' : `Trunk ${String(values['name'])}`,
    nav: 'trunks',
    kinds: KINDS,
    transports: TRANSPORTS,
    presentations: PRESENTATIONS,
    dtmfModes: DTMF_MODES,
    numberFormats: NUMBER_FORMATS,
    codecs: CODECS,
    values: formValues(values),
    ...extra,
  });

  const notFound = (req: Parameters<typeof sendPage>[0], res: Parameters<typeof sendPage>[1], id: string) =>
    notFoundPage(req, res, `trunk ${id}`);
  const findRow = async (raw: string) =>
    /^[0-9]{1,10}$/.test(raw) ? repo.find(deps.db, Number(raw)) : undefined;
  type Row = NonNullable<Awaited<ReturnType<typeof findRow>>>;
  // The form of a saved trunk, as stored.
  const savedForm = (row: Row, extra: Record<string, unknown>) =>
    form(repo.toApi(row), { ...formTarget('/trunks', row.id), hasPassword: row.password !== null, ...extra });
  // The pages of /trunks/:id: the trunk's row, or the "not found" page.
  const withRow =
    (handler: (req: Request, res: Response, row: Row) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      const row = await findRow(String(req.params['id']));
      if (!row) {
        notFound(req, res, String(req.params['id']));
        return;
      }
      await handler(req, res, row);
    };

  router.get('/trunks/new', admin, (req, res) => {
    sendPage(
      req,
      res,
      'trunks/form',
      form(
        {
          kind: 'registration',
          port: 5060,
          transport: 'udp',
          registration_expiry: 3600,
          retry_interval: 60,
          codecs: ['ulaw', 'alaw'],
          max_channels: 0,
          caller_id_presentation: 'allowed',
          dtmf_mode: 'rfc4733',
          qualify: true,
          number_format: 'as_dialled',
        },
        { isNew: true, action: '/trunks' },
      ),
    );
  });

  router.post('/trunks', admin, async (req, res) => {
    const raw = fromForm(req.body, true);
    await handleForm(res, {
      run: async () => {
        const input = parseForm(CreateTrunk, raw);
        await withTx(deps.db, (tx) => service.create(tx, input, actor(req)));
      },
      redirect: '/trunks',
      fields: (details) => fieldErrors(details, raw),
      field: 'name',
      refused: ({ status, errorMessage, errors }) =>
        sendPage(
          req,
          res,
          'trunks/form',
          form(raw, { ...formTarget('/trunks', null), errorMessage, errors }),
          status,
        ),
    });
  });

  router.get(
    '/trunks/:id/edit',
    admin,
    withRow(async (req, res, row) => {
      const statuses = await trunkStatuses(deps, [row]);
      sendPage(req, res, 'trunks/form', savedForm(row, { status: statusView(statuses.get(row.id)) }));
    }),
  );

  router.post(
    '/trunks/:id',
    admin,
    withRow(async (req, res, row) => {
      const raw = fromForm(req.body, false);
      await handleForm(res, {
        run: async () => {
          // An empty password box keeps the stored password (the service checks one exists).
          const input = parseForm(UpdateTrunk, raw);
          await withTx(deps.db, (tx) => service.update(tx, row.id, input, actor(req)));
        },
        redirect: '/trunks',
        fields: (details) => fieldErrors(details, raw),
        refused: ({ status, errorMessage, errors }) =>
          sendPage(
            req,
            res,
            'trunks/form',
            form(
              { ...raw, name: row.name },
              { ...formTarget('/trunks', row.id), hasPassword: row.password !== null, errorMessage, errors },
            ),
            status,
          ),
      });
    }),
  );

  router.post(
    '/trunks/:id/delete',
    admin,
    withRow(async (req, res, row) => {
      await handleForm(res, {
        run: () => withTx(deps.db, (tx) => service.remove(tx, row.id, actor(req))),
        redirect: '/trunks',
        refused: ({ status, errorMessage, details }) =>
          sendPage(
            req,
            res,
            'trunks/form',
            savedForm(row, {
              deleteError: {
                message: errorMessage,
                routes: details.filter((d) => d.path === 'outbound_routes').map((d) => d.message),
              },
            }),
            status,
          ),
      });
    }),
  );

  return router;
}
