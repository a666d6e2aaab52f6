import type { Router } from 'express';
import type { Deps } from '../deps';
import { apiRouter } from '../http/api';
import { crud } from '../http/crud';
import { idParam } from '../http/parse';
import { Department } from './schema';
import * as service from './service';

// Departments API (/api/v1/departments): groups of extensions for report filters.
export function departmentRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/departments');
  crud(api, {
    db: deps.db,
    key: idParam,
    body: Department,
    list: service.listDepartments,
    get: service.getDepartment,
    save: (id, body) => service.saveDepartment(deps.db, id, body),
    remove: (id) => service.removeDepartment(deps.db, id),
    summary: {
      list: 'Departments and their extensions',
      create: 'Create a department: a unique name and the extensions (that exist) in it',
      get: 'A department',
      update: 'Replace a department',
      remove: 'Delete a department (409 while a report template filters on it)',
    },
  });
  return api.router;
}
