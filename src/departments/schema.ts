import { z } from 'zod';

export const DepartmentName = z
  .string()
  .trim()
  .min(1, 'required')
  .max(80)
  .regex(/^[\p{L}\p{N} ._&()-]+$/u, 'letters, digits, spaces and . _ & ( ) - only');

export const ExtensionNumber = z.string().regex(/^[1-9][0-9]{1,9}$/, 'must be an extension number');

export const Department = z.strictObject({
  name: DepartmentName,
  extensions: z
    .array(ExtensionNumber)
    .max(500)
    .default([])
    .refine((list) => new Set(list).size === list.length, 'an extension is listed twice'),
});
export type DepartmentInput = z.infer<typeof Department>;

export interface DepartmentView {
  id: number;
  name: string;
  extensions: string[];
}
