import { Router } from 'express';
import type { Deps } from '../deps';

// Report pages (/reports): charts, heatmap, agent activity, saved templates.
export function reportPages(_deps: Deps): Router {
  return Router();
}
