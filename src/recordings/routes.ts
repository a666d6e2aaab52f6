import type { Request, Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ADMIN, ALL_ROLES, apiRouter } from '../http/api';
import { NotFoundError, UnauthenticatedError } from '../http/errors';
import { idParam, parse } from '../http/parse';
import { recordingPath } from './files';
import * as policies from './policies';
import { deleteRecording } from './retention';
import {
  AudioQuery,
  QueueNumber,
  QueueSupervisors,
  RecordingListQuery,
  RecordingPolicy,
  RecordingPolicyUpdate,
} from './schema';
import { GoneError, getAllowedRecording, listRecordings, recordingToApi } from './service';

// Recordings and recording policies API (/api/v1/recordings, /api/v1/recording-policies).
// Mounted at the root, so every path here is absolute.
export function recordingRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '');
  const actor = (req: Request) => actorFor(deps, actorName(req));
  const userOf = (req: Request) => {
    if (!req.auth) throw new UnauthenticatedError();
    return req.auth.user;
  };

  // ---- policies (admin)
  const P = '/api/v1/recording-policies';
  api.op({ method: 'get', path: P, summary: 'Recording policies', roles: ADMIN }, async () => ({
    items: (await policies.listPolicies(deps.db)).map(policies.policyToApi),
  }));
  api.op(
    {
      method: 'post',
      path: P,
      summary:
        'Create a recording policy for an extension, queue, inbound or outbound route: mode always / never / on_demand (parties press *3), retention in days (1-3650) or null to keep',
      roles: ADMIN,
      body: RecordingPolicy,
      status: 201,
    },
    async ({ req, body }) =>
      policies.policyToApi(await withTx(deps.db, (tx) => policies.createPolicy(tx, body, actor(req)))),
  );
  api.op(
    {
      method: 'get',
      path: `${P}/queue-supervisors/:queue`,
      summary: "The supervisors who may listen to a queue's recordings",
      roles: ADMIN,
    },
    async ({ params }) => {
      const queue = parse(QueueNumber, params['queue']);
      return { queue, user_ids: await policies.listQueueSupervisors(deps.db, queue) };
    },
  );
  api.op(
    {
      method: 'put',
      path: `${P}/queue-supervisors/:queue`,
      summary: "Set the supervisors (users of role supervisor) who may listen to a queue's recordings",
      roles: ADMIN,
      body: QueueSupervisors,
    },
    async ({ params, body }) => {
      const queue = parse(QueueNumber, params['queue']);
      const ids = await withTx(deps.db, (tx) => policies.setQueueSupervisors(tx, queue, body.user_ids));
      return { queue, user_ids: ids };
    },
  );
  api.op(
    { method: 'get', path: `${P}/:id`, summary: 'A recording policy', roles: ADMIN },
    async ({ params }) => policies.policyToApi(await policies.getPolicy(deps.db, idParam(params))),
  );
  api.op(
    {
      method: 'put',
      path: `${P}/:id`,
      summary: "Change a policy's mode and retention (its target stays)",
      roles: ADMIN,
      body: RecordingPolicyUpdate,
    },
    async ({ req, params, body }) => {
      const id = idParam(params);
      return policies.policyToApi(
        await withTx(deps.db, (tx) => policies.updatePolicy(tx, id, body, actor(req))),
      );
    },
  );
  api.op(
    {
      method: 'delete',
      path: `${P}/:id`,
      summary: 'Delete a recording policy',
      roles: ADMIN,
      status: 204,
    },
    async ({ req, params }) => {
      const id = idParam(params);
      await withTx(deps.db, (tx) => policies.removePolicy(tx, id, actor(req)));
      return undefined;
    },
  );

  // ---- recordings (each user sees the ones they may listen to)
  const R = '/api/v1/recordings';
  api.op(
    {
      method: 'get',
      path: R,
      summary: 'Recordings you may listen to, newest first (from, to: ISO dates; extension; queue)',
      roles: ALL_ROLES,
      query: RecordingListQuery,
    },
    async ({ req, query }) => ({ items: await listRecordings(deps.db, userOf(req), query) }),
  );
  api.op(
    { method: 'get', path: `${R}/:id`, summary: 'A recording', roles: ALL_ROLES },
    async ({ req, params }) =>
      recordingToApi(await getAllowedRecording(deps.db, userOf(req), idParam(params))),
  );
  api.op(
    {
      method: 'get',
      path: `${R}/:id/audio`,
      summary:
        'The audio (audio/wav, byte ranges supported; download=1 to save it as a file); 410 once deleted',
      roles: ALL_ROLES,
      query: AudioQuery,
    },
    async ({ req, res, params, query }) => {
      const row = await getAllowedRecording(deps.db, userOf(req), idParam(params));
      if (row.deleted_at) throw new GoneError(`recording ${row.id} was deleted by its retention policy`);
      await sendAudio(
        res,
        recordingPath(deps.config.asteriskMonitorDir, row.file_name),
        row.file_name,
        query.download === '1',
      );
      return undefined;
    },
  );
  api.op(
    {
      method: 'delete',
      path: `${R}/:id`,
      summary: 'Delete a recording now (the file goes; the row stays, marked deleted, for the call history)',
      roles: ADMIN,
      status: 204,
    },
    async ({ params }) => {
      if (!(await deleteRecording(deps, idParam(params)))) throw new NotFoundError('recording');
      return undefined;
    },
  );
  return api.router;
}

// express's sendFile answers Range requests (206 / 416); resolves once the response is done so
// the API wrapper does not answer a second time.
function sendAudio(res: Response, path: string, fileName: string, download: boolean): Promise<void> {
  res.type('audio/wav');
  res.set('Cache-Control', 'private, no-store');
  if (download) res.attachment(fileName);
  return new Promise((resolve, reject) => {
    res.sendFile(path, { acceptRanges: true, dotfiles: 'deny' }, (err) => {
      if (!err) return resolve();
      const code = (err as NodeJS.ErrnoException).code;
      if (!res.headersSent && code === 'ENOENT') reject(new GoneError('the recording file is missing'));
      else if (!res.headersSent) reject(err);
      else resolve();
    });
  });
}
