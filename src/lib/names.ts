import { z } from 'zod';

// A name people give a thing (a greeting, a menu, a route…): shown in the UI and written into
// config comments, never into a path. Letters and digits of any script, spaces and . _ ( ) -.
export function displayName(max = 80) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[\p{L}\p{N} ._()-]+$/u, 'letters, digits, spaces and . _ ( ) - only');
}
