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

// The name of a queue or of a wallboard screen: what a supervisor reads on the board, so ' and &
// are allowed too ("Sales & Support", "Bob's team").
export const boardName = () =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(80, 'must be at most 80 characters')
    .regex(/^[\p{L}\p{N} ._()'&-]+$/u, "letters, digits, spaces and . _ ( ) ' & - only");
