import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { NotFoundError } from '../http/errors';
import { parse } from '../http/parse';
import { formString, refusal, requirePage, sendPage } from '../web/page-helpers';
import { mohContext } from './context';
import {
  CreateMohClass,
  MAX_FILES_PER_CLASS,
  MAX_UPLOAD_BYTES,
  MohFileParams,
  MohParams,
  UpdateMohClass,
  UploadFields,
} from './schema';
import type { MohClassApi } from './service';
import { uploadedTrack } from './upload';

// Empty form fields mean "not given", so the schema's defaults and optional checks apply.
function fields(body: unknown, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = formString(body, key);
    if (value !== undefined && value.trim() !== '') out[key] = value;
  }
  return out;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

function view(c: MohClassApi) {
  return {
    ...c,
    files: c.files.map((f) => ({ ...f, seconds: seconds(f.duration_ms) })),
    total_seconds: seconds(c.files.reduce((n, f) => n + f.duration_ms, 0)),
  };
}

export function mohPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const moh = mohContext(deps);
  const actor = (req: Request) => actorFor(deps, actorName(req));
  const limits = { maxFiles: MAX_FILES_PER_CLASS, maxMb: MAX_UPLOAD_BYTES / 1024 / 1024 };

  const listPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    sendPage(
      req,
      res,
      'moh/list',
      {
        title: 'Music on hold',
        nav: 'moh',
        items: (await moh.list()).map(view),
        values: { sort: 'random' },
        ...extra,
      },
      status,
    );
  };

  const detailPage = async (
    req: Request,
    res: Response,
    id: number,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const c = await moh.get(id);
    sendPage(
      req,
      res,
      'moh/detail',
      { title: `Music on hold ${c.name}`, nav: 'moh', c: view(c), values: c, limits, ...extra },
      status,
    );
  };

  const idOf = (req: Request) => parse(MohParams, { id: req.params['id'] }).id;

  router.get('/moh', requirePage('admin', 'supervisor'), async (req, res) => {
    await listPage(req, res);
  });

  router.post('/moh', admin, async (req, res) => {
    const raw = fields(req.body, ['name', 'sort']);
    try {
      const c = await moh.create(parse(CreateMohClass, raw), actor(req));
      res.redirect(303, `/moh/${c.id}`);
    } catch (caught) {
      const err = refusal(caught);
      await listPage(req, res, { values: raw, errorMessage: err.message, errors: err.details }, err.status);
    }
  });

  router.get('/moh/:id', requirePage('admin', 'supervisor'), async (req, res) => {
    await detailPage(req, res, idOf(req));
  });

  router.post('/moh/:id', admin, async (req, res) => {
    const id = idOf(req);
    const raw = fields(req.body, ['name', 'sort']);
    try {
      await moh.update(id, parse(UpdateMohClass, raw), actor(req));
      res.redirect(303, `/moh/${id}`);
    } catch (caught) {
      const err = refusal(caught);
      if (err instanceof NotFoundError) throw err;
      await detailPage(
        req,
        res,
        id,
        { values: raw, errorMessage: err.message, errors: err.details },
        err.status,
      );
    }
  });

  router.post('/moh/:id/files', admin, async (req, res) => {
    const id = idOf(req);
    const raw = fields(req.body, ['name']);
    try {
      const input = parse(UploadFields, raw);
      await moh.addFile(id, uploadedTrack(req), input.name, actor(req));
      res.redirect(303, `/moh/${id}`);
    } catch (caught) {
      const err = refusal(caught);
      if (err instanceof NotFoundError) throw err;
      await detailPage(
        req,
        res,
        id,
        { uploadValues: raw, uploadMessage: err.message, uploadErrors: err.details },
        err.status,
      );
    }
  });

  router.post('/moh/:id/files/:fileId/delete', admin, async (req, res) => {
    const { id, fileId } = parse(MohFileParams, { id: req.params['id'], fileId: req.params['fileId'] });
    try {
      await moh.removeFile(id, fileId, actor(req));
      res.redirect(303, `/moh/${id}`);
    } catch (caught) {
      const err = refusal(caught);
      await detailPage(req, res, id, { errorMessage: err.message }, err.status);
    }
  });

  router.post('/moh/:id/delete', admin, async (req, res) => {
    const id = idOf(req);
    try {
      await moh.remove(id, actor(req));
      res.redirect(303, '/moh');
    } catch (caught) {
      const err = refusal(caught);
      if (err instanceof NotFoundError) throw err;
      await detailPage(req, res, id, { errorMessage: err.message }, err.status);
    }
  });

  return router;
}
