import { Router } from 'express';
import type { Deps } from '../deps';

// Wallboard page (/wallboard), also reachable with a kiosk token.
export function wallboardPages(_deps: Deps): Router {
  return Router();
}
