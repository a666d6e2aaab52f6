import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Router } from 'express';
import type { Deps } from '../../deps';
import { ADMIN_USER, apiRouter } from '../../http/api';
import { NotFoundError } from '../../http/errors';
import { parse } from '../../http/parse';
import { AudioQuery, BoxMessagesParams, MessageParams } from './schema';
import { assertBoxAccess, heard, listMessages, messageAudio, remove, type VisualDeps } from './service';

export function visualDeps(deps: Deps): VisualDeps {
  return { db: deps.db, log: deps.log, spoolDir: deps.config.asteriskSpoolDir };
}

// Opens the message's audio; if the phone moved it between lookup and open (ENOENT), looks it
// up once more in its new folder.
export async function openAudio(vdeps: VisualDeps, number: string, msgId: string) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const audio = await messageAudio(vdeps, number, msgId);
    try {
      const handle = await open(audio.path, 'r');
      return { ...audio, handle, size: (await handle.stat()).size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new NotFoundError(`message ${msgId}`);
}

// Visual voicemail: /api/v1/voicemail-boxes/:number/messages… (the boxes themselves are
// src/voicemail/boxes). Roles admit admins and users; assertBoxAccess narrows users to their own.
export function visualVoicemailRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/voicemail-boxes');
  const vdeps = visualDeps(deps);
  const box = (req: Parameters<typeof assertBoxAccess>[0], params: Record<string, string>) => {
    const { number } = parse(BoxMessagesParams, { number: params['number'] });
    assertBoxAccess(req, number);
    return number;
  };
  const message = (req: Parameters<typeof assertBoxAccess>[0], params: Record<string, string>) => {
    const p = parse(MessageParams, { number: params['number'], msgId: params['msgId'] });
    assertBoxAccess(req, p.number);
    return p;
  };

  api.op(
    {
      method: 'get',
      path: '/:number/messages',
      summary:
        'Messages of a box, new (INBOX, Urgent) then old, with caller, time, duration and transcription',
      roles: ADMIN_USER,
    },
    async ({ req, params }) => listMessages(vdeps, box(req.auth?.user, params)),
  );
  api.op(
    {
      method: 'get',
      path: '/:number/messages/:msgId/audio',
      summary: "A message's audio (audio/wav); ?download=1 sends it as an attachment",
      roles: ADMIN_USER,
      query: AudioQuery,
    },
    async ({ req, res, params, query }) => {
      const { number, msgId } = message(req.auth?.user, params);
      const audio = await openAudio(vdeps, number, msgId);
      res.status(200).set({
        'content-type': audio.contentType,
        'content-length': String(audio.size),
        'cache-control': 'private, no-cache',
        'content-disposition': `${query.download === '1' ? 'attachment' : 'inline'}; filename="${audio.filename}"`,
      });
      await pipeline(audio.handle.createReadStream(), res);
      return undefined;
    },
  );
  api.op(
    {
      method: 'post',
      path: '/:number/messages/:msgId/heard',
      summary:
        'Mark a message heard: moves it from INBOX to Old in the spool as app_voicemail does (MWI follows)',
      roles: ADMIN_USER,
    },
    async ({ req, params }) => {
      const { number, msgId } = message(req.auth?.user, params);
      return heard(vdeps, number, msgId);
    },
  );
  api.op(
    {
      method: 'delete',
      path: '/:number/messages/:msgId',
      summary: 'Delete a message from the spool (its folder is renumbered)',
      roles: ADMIN_USER,
      status: 204,
    },
    async ({ req, params }) => {
      const { number, msgId } = message(req.auth?.user, params);
      await remove(vdeps, number, msgId);
      return undefined;
    },
  );
  return api.router;
}
