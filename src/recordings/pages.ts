import { Router } from 'express';
import type { Deps } from '../deps';

// Recording pages: policies, a recording's player.
export function recordingPages(_deps: Deps): Router {
  return Router();
}
