import { z } from 'zod';
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

// The numeric id in a route's path (`/things/:id`): a positive integer that fits the INT column,
// else 400 naming the parameter.
const IdParam = z.coerce.number().int().min(1).max(2_147_483_647);

export function idParam(params: Record<string, unknown>, key = 'id'): number {
  const result = IdParam.safeParse(params[key]);
  if (result.success) return result.data;
  throw new ValidationError([{ path: key, message: 'must be a positive whole number' }]);
}

// The id of a row in a path parameter (AUTO_INCREMENT, positive, fits an INT).
export const RowId = z.coerce
  .number()
  .int()
  .min(1)
  .max(2 ** 31);
