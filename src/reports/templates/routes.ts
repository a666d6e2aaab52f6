import { Router } from 'express';
import type { Deps } from '../../deps';

// Saved report templates API (/api/v1/report-templates): a name, a grouping, filters and chosen KPIs.
export function reportTemplateRoutes(_deps: Deps): Router {
  return Router();
}
