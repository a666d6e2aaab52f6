import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import { Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { ApiRouter } from '../http/api';
import { parse } from '../http/parse';
import { mohContext } from './context';
import { CreateMohClass, MohFileParams, MohParams, UpdateMohClass, UploadFields } from './schema';
import { uploadedTrack } from './upload';

export function mohRoutes(deps: Deps): Router {
  const router = Router();
  const moh = mohContext(deps);
  const api = new ApiRouter(router, '/api/v1/moh', deps.openapi);
  const actor = (req: Request) => actorFor(deps, actorName(req));
  const classId = (params: Record<string, string>) => parse(MohParams, { id: params['id'] }).id;
  const fileIds = (params: Record<string, string>) =>
    parse(MohFileParams, { id: params['id'], fileId: params['fileId'] });

  api.op(
    {
      method: 'get',
      path: '/',
      summary: 'Music on hold classes and their files',
      roles: ['admin', 'supervisor'],
    },
    async () => ({ items: await moh.list() }),
  );
  api.op(
    {
      method: 'post',
      path: '/',
      summary: 'Create a music on hold class (Asterisk class sb-moh-<id>); add files with POST /:id/files',
      roles: ['admin'],
      body: CreateMohClass,
      status: 201,
    },
    async ({ req, body }) => moh.create(body, actor(req)),
  );
  api.op(
    { method: 'get', path: '/:id', summary: 'A music on hold class', roles: ['admin', 'supervisor'] },
    async ({ params }) => moh.get(classId(params)),
  );
  api.op(
    {
      method: 'patch',
      path: '/:id',
      summary: 'Rename a class or change its play order (random or alpha)',
      roles: ['admin'],
      body: UpdateMohClass,
    },
    async ({ req, params, body }) => moh.update(classId(params), body, actor(req)),
  );
  api.op(
    {
      method: 'delete',
      path: '/:id',
      summary: 'Delete a class and its files (409 while a queue plays it)',
      roles: ['admin'],
      status: 204,
    },
    async ({ req, params }) => {
      await moh.remove(classId(params), actor(req));
      return undefined;
    },
  );
  api.op(
    {
      method: 'post',
      path: '/:id/files',
      summary:
        'Upload a track (multipart: "file" wav, mp3, ogg, flac or gsm, ≤ 20 MB; optional "name"); converted to 8 kHz mono wav',
      roles: ['admin'],
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
      roles: ['admin'],
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
      roles: ['admin', 'supervisor'],
    },
    async ({ res, params }) => {
      const { id, fileId } = fileIds(params);
      const path = await moh.filePath(id, fileId);
      const size = (await stat(path)).size;
      res.status(200).set({
        'content-type': 'audio/wav',
        'content-length': String(size),
        'cache-control': 'private, no-cache',
        'content-disposition': `inline; filename="moh-${id}-${fileId}.wav"`,
      });
      await pipeline(createReadStream(path), res);
      return undefined;
    },
  );
  return router;
}
