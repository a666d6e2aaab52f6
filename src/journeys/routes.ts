import { Router } from 'express';
import type { Deps } from '../deps';

// Call log API (/api/v1/calls): journeys with filters, one journey, CSV export.
export function callLogRoutes(_deps: Deps): Router {
  return Router();
}
