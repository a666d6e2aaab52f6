import { Router } from 'express';
import type { Deps } from '../deps';
import { ApiRouter } from '../http/api';
import { idParam } from '../http/parse';
import { Department } from './schema';
import * as service from './service';

// Departments API (/api/v1/departments): groups of extensions for report filters.
export function departmentRoutes(deps: Deps): Router {
  const router = Router();
  const api = new ApiRouter(router, '/api/v1/departments', deps.openapi);
  const read = ['admin', 'supervisor'] as const;

  api.op(
    { method: 'get', path: '/', summary: 'Departments and their extensions', roles: read },
    async () => ({
      items: await service.listDepartments(deps.db),
    }),
  );
  api.op(
    {
      method: 'post',
      path: '/',
      summary: 'Create a department: a unique name and the extensions (that exist) in it',
      roles: ['admin'],
      body: Department,
      status: 201,
    },
    async ({ body }) => service.saveDepartment(deps.db, null, body),
  );
  api.op({ method: 'get', path: '/:id', summary: 'A department', roles: read }, async ({ params }) =>
    service.getDepartment(deps.db, idParam(params)),
  );
  api.op(
    { method: 'put', path: '/:id', summary: 'Replace a department', roles: ['admin'], body: Department },
    async ({ params, body }) => service.saveDepartment(deps.db, idParam(params), body),
  );
  api.op(
    {
      method: 'delete',
      path: '/:id',
      summary: 'Delete a department (409 while a report template filters on it)',
      roles: ['admin'],
      status: 204,
    },
    async ({ params }) => {
      await service.removeDepartment(deps.db, idParam(params));
      return undefined;
    },
  );
  return router;
}
