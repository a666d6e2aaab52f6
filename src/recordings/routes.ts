import { Router } from 'express';
import type { Deps } from '../deps';

// Recordings and recording policies API (/api/v1/recordings, /api/v1/recording-policies).
export function recordingRoutes(_deps: Deps): Router {
  return Router();
}
