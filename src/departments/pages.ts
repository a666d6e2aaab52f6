import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { parse } from '../http/parse';
import { formString, requirePage, sendPage } from '../web/page-helpers';
import { idKey, rowForms } from '../web/row-forms';
import { Department } from './schema';
import * as service from './service';

// "1001, 1002 1003" → ['1001', '1002', '1003']: the form takes members as one text field.
export function membersFromForm(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

// Departments pages (/departments).
export function departmentPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');

  const list = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    sendPage(
      req,
      res,
      'departments/list',
      {
        title: 'Departments',
        nav: 'departments',
        departments: (await service.listDepartments(deps.db)).map((d) => ({
          ...d,
          members: d.extensions.join(', '),
        })),
        ...extra,
      },
      status,
    );
  };

  rowForms(router, {
    base: '/departments',
    home: '/departments',
    template: 'departments/form',
    what: 'such department',
    key: idKey,
    guard: admin,
    listGuard: requirePage('admin', 'supervisor'),
    blank: () => ({ name: '', extensions: '' }),
    find: async (id) => {
      const [d] = (await service.listDepartments(deps.db)).filter((x) => x.id === id);
      return d && { name: d.name, extensions: d.extensions.join(', ') };
    },
    read: (body) => ({
      name: formString(body, 'name') ?? '',
      extensions: membersFromForm(formString(body, 'extensions') ?? ''),
    }),
    shown: (raw) => ({ name: raw.name, extensions: raw.extensions.join(', ') }),
    save: (_req, id, raw) => service.saveDepartment(deps.db, id, parse(Department, raw)),
    remove: (_req, id) => service.removeDepartment(deps.db, id),
    fields: (details) =>
      details.map((d) => ({
        path: d.path.startsWith('extensions') ? 'extensions' : d.path,
        message: d.message,
      })),
    field: 'name',
    // A form shown again after a refused save is titled "Department", without the saved name.
    form: (values, extra, posted) => ({
      title: extra['isNew']
        ? 'New department'
        : posted
          ? 'Department'
          : `Department ${String(values['name'])}`,
      nav: 'departments',
      id: extra['id'] ?? null,
      values,
      ...extra,
    }),
    list,
  });
  return router;
}
