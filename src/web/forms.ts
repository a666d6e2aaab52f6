import type { Response } from 'express';
import type { z } from 'zod';
import { AppError, type ErrorDetail, NotFoundError, ValidationError } from '../http/errors';
import { parse } from '../http/parse';
import { formString } from './page-helpers';

// ---- numbers typed into forms

export interface NumberRange {
  min: number;
  max: number;
  // How the message names the field; by default its key without a row prefix ("step_2_").
  label?: string;
}

// Ids of rows (a greeting, a trunk, a template) chosen in a form: the INT column's range.
export const ID_RANGE: NumberRange = { min: 1, max: 2_147_483_647, label: 'the choice' };

// A number field that is not a whole number in its range: shown back as typed (templates print
// it with toString), and reported under its field, with the range, by parseForm.
export class BadNumber {
  constructor(
    readonly text: string,
    readonly message: string,
  ) {}
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
}

// The one number parser of the pages: empty → undefined (the schema's default or "required"
// applies), a whole number → that number, anything else → a BadNumber naming the field and its
// range. The range is the schema's: a whole number outside it is refused by the schema, in the
// same words as through the API.
export function numberFrom(
  text: string | undefined,
  key: string,
  range: NumberRange,
): number | BadNumber | undefined {
  const v = text?.trim();
  if (v === undefined || v === '') return undefined;
  if (/^[0-9]{1,15}$/.test(v)) return Number(v);
  const label = range.label ?? key.replace(/^[a-z]+_[0-9]+_/, '').replace(/_/g, ' ');
  return new BadNumber(v, `${label} must be a whole number from ${range.min} to ${range.max}`);
}

export function formNumber(body: unknown, key: string, range: NumberRange): number | BadNumber | undefined {
  return numberFrom(formString(body, key), key, range);
}

// Where in a form's values (objects and arrays) a BadNumber stands, with its message.
function badNumbers(value: unknown, path: string, out: ErrorDetail[]): ErrorDetail[] {
  if (value instanceof BadNumber) out.push({ path, message: value.message });
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) badNumbers(v, path ? `${path}.${k}` : k, out);
  return out;
}

// parse() for a form's values: a BadNumber anywhere in them is refused with its own message
// (in place of the schema's "expected number"), together with everything else the schema finds.
export function parseForm<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const bad = badNumbers(raw, '', []);
  let refused: ValidationError | null = null;
  try {
    const input = parse(schema, raw);
    if (bad.length === 0) return input;
  } catch (caught) {
    if (!(caught instanceof ValidationError)) throw caught;
    refused = caught;
  }
  const under = (d: ErrorDetail, b: ErrorDetail) => d.path === b.path || d.path.startsWith(`${b.path}.`);
  const details = (refused?.details ?? []).map((d) => bad.find((b) => under(d, b)) ?? d);
  const missing = bad.filter((b) => !details.includes(b));
  throw new ValidationError([...new Set([...details, ...missing])], refused?.message);
}

// ---- the POST of a page form

// What a refused change gives the page that shows it again.
export interface Refused {
  status: number;
  errorMessage: string;
  // The field messages: the API's details through `fields`; with none, the message under `field`.
  errors: ErrorDetail[];
  details: ErrorDetail[];
}

interface FormCommon<T> {
  // Parses what was posted and makes the change; a refusal (4xx AppError) is shown on the form.
  run: () => Promise<T>;
  // API paths → the form's field names (members.2.target → member_2_target).
  fields?: (details: ErrorDetail[]) => ErrorDetail[];
  // Where a refusal without field details is shown; without it, errors are the details alone.
  field?: string;
  // Which errors the form shows; the others propagate (default: every 4xx).
  shows?: (err: AppError) => boolean;
  // Shows the form again, with what was posted and the reasons, under refused.status.
  refused: (refused: Refused) => Promise<void> | void;
}

export type FormPost<T> = FormCommon<T> &
  (
    | { redirect: string | ((result: T) => string) } // success: 303 to the page that shows it
    | { done: (result: T) => Promise<void> | void } // success shown on a page of its own
  );

// Try the change; on success redirect (303) or show the result; on a refusal show the form again.
export async function handleForm<T>(res: Response, form: FormPost<T>): Promise<void> {
  let result: T;
  try {
    result = await form.run();
  } catch (caught) {
    const shows = form.shows ?? ((e: AppError) => e.status < 500);
    if (!(caught instanceof AppError) || !shows(caught)) throw caught;
    const err = caught;
    const mapped = form.fields ? form.fields(err.details) : err.details;
    const fallback = form.field === undefined ? [] : [{ path: form.field, message: err.message }];
    await form.refused({
      status: err.status,
      errorMessage: err.message,
      errors: mapped.length ? mapped : fallback,
      details: err.details,
    });
    return;
  }
  if ('done' in form) await form.done(result);
  else res.redirect(303, typeof form.redirect === 'string' ? form.redirect : form.redirect(result));
}

// For a form on the page of one row: a refusal that the row does not exist propagates (the
// not-found page), every other 4xx is shown on the form.
export const showsOnItsPage = (err: AppError): boolean => err.status < 500 && !(err instanceof NotFoundError);

// "message (path: detail)": a refusal shown as one line, naming its first field.
export function withFirstDetail(r: Refused): string {
  const d = r.details[0];
  return d ? `${r.errorMessage} (${d.path}: ${d.message})` : r.errorMessage;
}

// The create-or-edit target of a form: POST to the base for a new row, to base/<id> for one.
export function formTarget(
  base: string,
  id: number | string | null,
  key = 'id',
): { isNew: boolean; action: string; [key: string]: unknown } {
  return id === null ? { isNew: true, action: base } : { isNew: false, [key]: id, action: `${base}/${id}` };
}
