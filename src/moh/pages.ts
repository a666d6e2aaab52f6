import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { parse } from '../http/parse';
import { handleForm, showsOnItsPage } from '../web/forms';
import { givenFields, requirePage, type ShowPageOf, sendPage } from '../web/page-helpers';
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

  const detailPage: ShowPageOf<number> = async (req, res, id, extra = {}, status = 200) => {
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
    const raw = givenFields(req.body, ['name', 'sort']);
    await handleForm(res, {
      run: () => moh.create(parse(CreateMohClass, raw), actor(req)),
      redirect: (c) => `/moh/${c.id}`,
      refused: ({ status, errorMessage, errors }) =>
        listPage(req, res, { values: raw, errorMessage, errors }, status),
    });
  });

  router.get('/moh/:id', requirePage('admin', 'supervisor'), async (req, res) => {
    await detailPage(req, res, idOf(req));
  });

  router.post('/moh/:id', admin, async (req, res) => {
    const id = idOf(req);
    const raw = givenFields(req.body, ['name', 'sort']);
    await handleForm(res, {
      run: () => moh.update(id, parse(UpdateMohClass, raw), actor(req)),
      redirect: `/moh/${id}`,
      shows: showsOnItsPage,
      refused: ({ status, errorMessage, errors }) =>
        detailPage(req, res, id, { values: raw, errorMessage, errors }, status),
    });
  });

  router.post('/moh/:id/files', admin, async (req, res) => {
    const id = idOf(req);
    const raw = givenFields(req.body, ['name']);
    await handleForm(res, {
      run: () => {
        const input = parse(UploadFields, raw);
        return moh.addFile(id, uploadedTrack(req), input.name, actor(req));
      },
      redirect: `/moh/${id}`,
      shows: showsOnItsPage,
      refused: ({ status, errorMessage, errors }) =>
        detailPage(
          req,
          res,
          id,
          { uploadValues: raw, uploadMessage: errorMessage, uploadErrors: errors },
          status,
        ),
    });
  });

  router.post('/moh/:id/files/:fileId/delete', admin, async (req, res) => {
    const { id, fileId } = parse(MohFileParams, { id: req.params['id'], fileId: req.params['fileId'] });
    await handleForm(res, {
      run: () => moh.removeFile(id, fileId, actor(req)),
      redirect: `/moh/${id}`,
      refused: ({ status, errorMessage }) => detailPage(req, res, id, { errorMessage }, status),
    });
  });

  router.post('/moh/:id/delete', admin, async (req, res) => {
    const id = idOf(req);
    await handleForm(res, {
      run: () => moh.remove(id, actor(req)),
      redirect: '/moh',
      shows: showsOnItsPage,
      refused: ({ status, errorMessage }) => detailPage(req, res, id, { errorMessage }, status),
    });
  });

  return router;
}
