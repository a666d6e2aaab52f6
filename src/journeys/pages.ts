import { Router } from 'express';
import type { Deps } from '../deps';

// Call log pages (/calls): searchable journeys, one journey's path.
export function callLogPages(_deps: Deps): Router {
  return Router();
}
