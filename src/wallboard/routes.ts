import { Router } from 'express';
import type { Deps } from '../deps';

// Wallboard API: the live snapshot and its event stream (SSE), kiosk tokens.
export function wallboardRoutes(_deps: Deps): Router {
  return Router();
}
