import { Router } from 'express';
import type { Deps } from '../deps';

// Departments API (/api/v1/departments): groups of extensions for report filters.
export function departmentRoutes(_deps: Deps): Router {
  return Router();
}
