import type { Request, RequestHandler, Response, Router } from 'express';
import type { ErrorDetail } from '../http/errors';
import { formTarget, handleForm } from './forms';
import { notFoundPage, sendPage } from './page-helpers';

type Data = Record<string, unknown>;

// The key of /<things>/:id: a positive integer, as withId reads it.
export const idKey = (raw: string): number | null => (/^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : null);

// The pages that create, edit and delete one kind of row, all alike:
//   GET  <base>/new          the empty form          POST <base>           creates
//   GET  <base>/:key/edit    the row's form          POST <base>/:key      saves
//   POST <base>/:key/delete  deletes, back to `home` (or the list, with the reason it refused)
// A refused save shows the form again with what was posted (`P`) and the reasons.
export interface RowForms<K extends string | number, P, R> {
  base: string;
  // Where a saved or deleted row leads (a saved one: `redirect` when given).
  home: string;
  redirect?: (saved: R) => string;
  // The form's template and the "not found" page's words ("such IVR menu").
  template: string;
  what: string;
  // The :key path segment → the row's key; null is the "not found" page.
  key: (raw: string) => K | null;
  // Under which name the form gets the key of the row it edits (default `id`).
  targetKey?: string;
  guard: RequestHandler;
  // The values of the empty form, and of a row's form (undefined: the row does not exist).
  blank: (req: Request) => Data;
  find: (key: K) => Promise<Data | undefined>;
  // What was posted, and the form's values to show it again.
  read: (body: unknown) => P;
  shown: (posted: P) => Data;
  // Parses and saves (null: a new row); deletes.
  save: (req: Request, key: K | null, posted: P) => Promise<R>;
  remove: (req: Request, key: K) => Promise<unknown>;
  // API paths → the form's fields; the field a refusal without details is shown under.
  fields?: (details: ErrorDetail[], posted: P) => ErrorDetail[];
  field: string;
  // The template data of the form; `posted` when it shows a refused save again.
  form: (values: Data, extra: Data, posted?: P) => Promise<Data> | Data;
  // The list, with the reason a delete was refused.
  list: (req: Request, res: Response, extra: Data, status: number) => Promise<void>;
  // Who may see the list at GET <base>; without it, the list's route is the page's own.
  listGuard?: RequestHandler;
}

export function rowForms<K extends string | number, P, R>(router: Router, spec: RowForms<K, P, R>): void {
  const { base, guard } = spec;
  const target = (key: K | null) => formTarget(base, key, spec.targetKey);
  const withKey =
    (handler: (req: Request, res: Response, key: K) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      const raw = req.params['key'];
      const key = typeof raw === 'string' ? spec.key(raw) : null;
      if (key === null) {
        notFoundPage(req, res, spec.what);
        return;
      }
      await handler(req, res, key);
    };

  const save = async (req: Request, res: Response, key: K | null) => {
    const posted = spec.read(req.body);
    const { fields } = spec;
    await handleForm(res, {
      run: () => spec.save(req, key, posted),
      redirect: (saved) => spec.redirect?.(saved) ?? spec.home,
      ...(fields ? { fields: (details: ErrorDetail[]) => fields(details, posted) } : {}),
      field: spec.field,
      refused: async ({ status, errorMessage, errors }) =>
        sendPage(
          req,
          res,
          spec.template,
          await spec.form(spec.shown(posted), { ...target(key), errorMessage, errors }, posted),
          status,
        ),
    });
  };

  const { listGuard } = spec;
  if (listGuard) router.get(base, listGuard, (req, res) => spec.list(req, res, {}, 200));
  router.get(`${base}/new`, guard, async (req, res) => {
    sendPage(req, res, spec.template, await spec.form(spec.blank(req), target(null)));
  });
  router.post(base, guard, (req, res) => save(req, res, null));
  router.get(
    `${base}/:key/edit`,
    guard,
    withKey(async (req, res, key) => {
      const values = await spec.find(key);
      if (!values) {
        notFoundPage(req, res, spec.what);
        return;
      }
      sendPage(req, res, spec.template, await spec.form(values, target(key)));
    }),
  );
  router.post(
    `${base}/:key`,
    guard,
    withKey((req, res, key) => save(req, res, key)),
  );
  router.post(
    `${base}/:key/delete`,
    guard,
    withKey(async (req, res, key) => {
      await handleForm(res, {
        run: () => spec.remove(req, key),
        redirect: spec.home,
        refused: ({ status, errorMessage }) => spec.list(req, res, { errorMessage }, status),
      });
    }),
  );
}
