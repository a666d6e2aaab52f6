import { type Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { describeDestination } from '../destinations';
import { destinationFormValue, destinationFromForm, destinationOptions } from '../destinations/picker';
import type { ErrorDetail } from '../http/errors';
import { formNumber, ID_RANGE, parseForm } from '../web/forms';
import { formString, greetingChoices, listPage, requirePage } from '../web/page-helpers';
import { idKey, rowForms } from '../web/row-forms';
import { Announcement } from './schema';
import * as service from './service';

function fromForm(body: unknown): Record<string, unknown> {
  const b = (body ?? {}) as Record<string, unknown>;
  return {
    name: formString(b, 'name') ?? '',
    greeting_id: formNumber(b, 'greeting_id', ID_RANGE),
    destination: destinationFromForm(b, 'destination'),
  };
}

const formErrors = (details: ErrorDetail[]) =>
  details.map((d) => (d.path.startsWith('destination') ? { path: 'destination', message: d.message } : d));

export function announcementPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const actor = (req: Request) => actorFor(deps, actorName(req));

  const list = listPage('announcements/list', 'Announcements', 'announcements', async () => {
    const [items, greetings] = await Promise.all([
      service.listAnnouncements(deps.db),
      greetingChoices(deps.db),
    ]);
    return {
      items: items.map((a) => ({
        id: a.id,
        name: a.name,
        greeting: greetings.find((g) => g.id === a.greetingId)?.name ?? '',
        destination: describeDestination(a.destination),
      })),
    };
  });

  const form = async (values: Record<string, unknown>, extra: Record<string, unknown>) => {
    const dest = values['destination'] as { type: string; target: string } | undefined;
    return {
      title: extra['isNew'] ? 'New announcement' : `Announcement ${String(values['name'])}`,
      nav: 'announcements',
      greetings: await greetingChoices(deps.db),
      destinationGroups: await destinationOptions(deps.db),
      destinationValue: destinationFormValue(dest?.type ? dest : null),
      values,
      ...extra,
    };
  };

  rowForms(router, {
    base: '/announcements',
    home: '/announcements',
    template: 'announcements/form',
    what: 'such announcement',
    key: idKey,
    guard: admin,
    listGuard: requirePage('admin', 'supervisor'),
    blank: () => ({}),
    find: async (id) => {
      const [found] = await service.listAnnouncements(deps.db, [id]);
      return found && service.announcementToApi(found);
    },
    read: fromForm,
    shown: (raw) => raw,
    save: (req, id, raw) => {
      const input = parseForm(Announcement, raw);
      return withTx(deps.db, (tx) => service.saveAnnouncement(tx, id, input, actor(req)));
    },
    remove: (req, id) => withTx(deps.db, (tx) => service.removeAnnouncement(tx, id, actor(req))),
    fields: formErrors,
    field: 'name',
    form,
    list,
  });

  return router;
}
