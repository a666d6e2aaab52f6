import { Router } from 'express';
import type { Deps } from '../deps';

// Report API (/api/v1/reports): KPIs from the rollups, JSON or CSV; agent activity.
export function reportRoutes(_deps: Deps): Router {
  return Router();
}
