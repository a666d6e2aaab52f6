import type { z } from 'zod';
import { ValidationError } from './errors';

// Every zod issue becomes one details[] entry, so a form can mark all bad fields at once.
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(body)',
      message: issue.message,
    })),
  );
}
