import { Router } from 'express';
import type { Deps } from '../deps';

// Departments pages (/departments).
export function departmentPages(_deps: Deps): Router {
  return Router();
}
