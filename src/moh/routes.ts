import type { Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { ADMIN, ADMIN_SUPERVISOR, apiRouter } from '../http/api';
import { sendWav } from '../http/audio';
import { crud } from '../http/crud';
import { parse } from '../http/parse';
import { mohContext } from './context';
import { CreateMohClass, MohFileParams, MohParams, UpdateMohClass, UploadFields } from './schema';
import { uploadedTrack } from './upload';

export function mohRoutes(deps: Deps): Router {
  const moh = mohContext(deps);
  const api = apiRouter(deps, '/api/v1/moh');
  const actor = (req: Request) => actorFor(deps, actorName(req));
  const classId = (params: Record<string, string>) => parse(MohParams, { id: params['id'] }).id;
  const fileIds = (params: Record<string, string>) =>
    parse(MohFileParams, { id: params['id'], fileId: params['fileId'] });

  crud(api, {
    db: deps.db,
    key: classId,
    body: CreateMohClass,
    updateBody: UpdateMohClass,
    updateMethod: 'patch',
    list: () => moh.list(),
    get: (_db, id) => moh.get(id),
    create: (body, req) => moh.create(body, actor(req)),
    update: (id, body, req) => moh.update(id, body, actor(req)),
    remove: (id, req) => moh.remove(id, actor(req)),
    summary: {
      list: 'Music on hold classes and their files',
      create: 'Create a music on hold class (Asterisk class sb-moh-<id>); add files with POST /:id/files',
      get: 'A music on hold class',
      update: 'Rename a class or change its play order (random or alpha)',
      remove: 'Delete a class and its files (409 while a queue plays it)',
    },
  });
  api.op(
    {
      method: 'post',
      path: '/:id/files',
      summary:
        'Upload a track (multipart: "file" wav, mp3, ogg, flac or gsm, ≤ 20 MB; optional "name"); converted to 8 kHz mono wav',
      roles: ADMIN,
      status: 201,
      bodyContentType: 'multipart/form-data',
    },
    async ({ req, params }) => {
      const id = classId(params);
      const fields = parse(UploadFields, req.body ?? {});
      return moh.addFile(id, uploadedTrack(req), fields.name, actor(req));
    },
  );
  api.op(
    {
      method: 'delete',
      path: '/:id/files/:fileId',
      summary: 'Delete a track',
      roles: ADMIN,
      status: 204,
    },
    async ({ req, params }) => {
      const { id, fileId } = fileIds(params);
      await moh.removeFile(id, fileId, actor(req));
      return undefined;
    },
  );
  api.op(
    {
      method: 'get',
      path: '/:id/files/:fileId/audio',
      summary: "A track's audio (audio/wav, 8 kHz mono) for the browser",
      roles: ADMIN_SUPERVISOR,
    },
    async ({ res, params }) => {
      const { id, fileId } = fileIds(params);
      return sendWav(res, await moh.filePath(id, fileId), `moh-${id}-${fileId}.wav`);
    },
  );
  return api.router;
}
