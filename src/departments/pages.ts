import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { parse } from '../http/parse';
import { formTarget, handleForm } from '../web/forms';
import { formString, notFoundPage, requirePage, sendPage, withId } from '../web/page-helpers';
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

  const save = async (req: Request, res: Response, id: number | null) => {
    const raw = {
      name: formString(req.body, 'name') ?? '',
      extensions: membersFromForm(formString(req.body, 'extensions') ?? ''),
    };
    await handleForm(res, {
      run: () => service.saveDepartment(deps.db, id, parse(Department, raw)),
      redirect: '/departments',
      fields: (details) =>
        details.map((d) => ({
          path: d.path.startsWith('extensions') ? 'extensions' : d.path,
          message: d.message,
        })),
      field: 'name',
      refused: ({ status, errorMessage, errors }) =>
        sendPage(
          req,
          res,
          'departments/form',
          {
            title: id === null ? 'New department' : 'Department',
            nav: 'departments',
            ...formTarget('/departments', id),
            id,
            values: { name: raw.name, extensions: raw.extensions.join(', ') },
            errorMessage,
            errors,
          },
          status,
        ),
    });
  };

  router.get('/departments', requirePage('admin', 'supervisor'), (req, res) => list(req, res));
  router.get('/departments/new', admin, (req, res) => {
    sendPage(req, res, 'departments/form', {
      title: 'New department',
      nav: 'departments',
      isNew: true,
      action: '/departments',
      values: { name: '', extensions: '' },
    });
  });
  router.post('/departments', admin, (req, res) => save(req, res, null));
  router.get(
    '/departments/:id/edit',
    admin,
    withId('such department', async (req, res, id) => {
      const [d] = (await service.listDepartments(deps.db)).filter((x) => x.id === id);
      if (!d) return notFoundPage(req, res, 'such department');
      sendPage(req, res, 'departments/form', {
        title: `Department ${d.name}`,
        nav: 'departments',
        isNew: false,
        id,
        action: `/departments/${id}`,
        values: { name: d.name, extensions: d.extensions.join(', ') },
      });
    }),
  );
  router.post(
    '/departments/:id',
    admin,
    withId('such department', (req, res, id) => save(req, res, id)),
  );
  router.post(
    '/departments/:id/delete',
    admin,
    withId('such department', async (req, res, id) => {
      await handleForm(res, {
        run: () => service.removeDepartment(deps.db, id),
        redirect: '/departments',
        refused: ({ status, errorMessage }) => list(req, res, { errorMessage }, status),
      });
    }),
  );
  return router;
}
