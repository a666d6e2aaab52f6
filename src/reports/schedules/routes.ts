import { Router } from 'express';
import type { Deps } from '../../deps';

// Scheduled reports API (/api/v1/report-schedules) and their send log.
export function reportScheduleRoutes(_deps: Deps): Router {
  return Router();
}
