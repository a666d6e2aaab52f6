import type { Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { findByNumber } from '../extensions';
import { ADMIN, ADMIN_SUPERVISOR, apiRouter } from '../http/api';
import { sendWav } from '../http/audio';
import { NotFoundError, UnprocessableError } from '../http/errors';
import { parse } from '../http/parse';
import { greetingContext } from './context';
import type { PhoneJob } from './phone';
import {
  CreateGreeting,
  GreetingParams,
  JobParams,
  PlayToPhone,
  RecordByPhone,
  UpdateGreeting,
  VariantBody,
  VariantParams,
} from './schema';
import { uploadedFile } from './upload';

export function jobToApi(job: PhoneJob) {
  return {
    id: job.id,
    kind: job.kind,
    greeting_id: job.greetingId,
    language: job.language,
    extension: job.extension,
    state: job.state,
    error: job.error,
    playback: job.playback,
    created_at: job.createdAt,
    finished_at: job.finishedAt,
    status_url: `/api/v1/greetings/jobs/${job.id}`,
  };
}

export async function assertExtension(deps: Deps, number: string): Promise<void> {
  if (!(await findByNumber(deps.db, number))) {
    throw new UnprocessableError(`extension ${number} does not exist`, [
      { path: 'extension', message: 'no such extension' },
    ]);
  }
}

// Uploads: the same POST/PUT operations take multipart/form-data (fields as below plus the audio
// in `file`) instead of JSON. The OpenAPI entry documents the JSON form; see docs/admin-guide.
export function greetingRoutes(deps: Deps): Router {
  const { greetings, phone } = greetingContext(deps);
  const api = apiRouter(deps, '/api/v1/greetings');
  const actor = (req: Request) => actorFor(deps, actorName(req));
  const greetingId = (params: Record<string, string>) => parse(GreetingParams, { id: params['id'] }).id;
  const variant = (params: Record<string, string>) =>
    parse(VariantParams, { id: params['id'], language: params['language'] });

  api.op(
    {
      method: 'get',
      path: '/',
      summary: 'Greetings, their languages and who uses them',
      roles: ADMIN_SUPERVISOR,
    },
    async () => ({ items: await greetings.list() }),
  );
  api.op(
    {
      method: 'post',
      path: '/',
      summary:
        'Create a greeting; with tts_text (JSON) or an audio file (multipart field "file": wav, mp3, ogg, flac; ≤ 10 MB) it gets its default language variant',
      roles: ADMIN,
      body: CreateGreeting,
      status: 201,
    },
    async ({ req, body }) => greetings.create(body, uploadedFile(req), actor(req)),
  );
  // Registered before /:id (fixed segment), though the segment counts differ anyway.
  api.op(
    {
      method: 'get',
      path: '/jobs/:job',
      summary: 'State of a record-by-phone or play-to-phone call',
      roles: ADMIN,
    },
    async ({ params }) => {
      const { job } = parse(JobParams, { job: params['job'] });
      const found = phone.get(job);
      if (!found) throw new NotFoundError(`job ${job}`);
      return jobToApi(found);
    },
  );
  api.op(
    {
      method: 'get',
      path: '/:id',
      summary: 'A greeting with its variants and used_by',
      roles: ADMIN_SUPERVISOR,
    },
    async ({ params }) => greetings.get(greetingId(params)),
  );
  api.op(
    {
      method: 'patch',
      path: '/:id',
      summary: 'Rename a greeting or change its default language',
      roles: ADMIN,
      body: UpdateGreeting,
    },
    async ({ req, params, body }) => greetings.update(greetingId(params), body, actor(req)),
  );
  api.op(
    {
      method: 'delete',
      path: '/:id',
      summary: 'Delete a greeting and its files (409 while an IVR, announcement… uses it)',
      roles: ADMIN,
      status: 204,
    },
    async ({ req, params }) => {
      await greetings.remove(greetingId(params), actor(req));
      return undefined;
    },
  );
  api.op(
    {
      method: 'put',
      path: '/:id/variants/:language',
      summary: 'Add or replace a language variant from tts_text (JSON) or an audio file (multipart "file")',
      roles: ADMIN,
      body: VariantBody,
    },
    async ({ req, params, body }) => {
      const { id, language } = variant(params);
      return greetings.putVariant(id, language, greetings.sourceFor(body, uploadedFile(req)), actor(req));
    },
  );
  api.op(
    {
      method: 'delete',
      path: '/:id/variants/:language',
      summary: 'Delete a language variant and its files',
      roles: ADMIN,
    },
    async ({ req, params }) => {
      const { id, language } = variant(params);
      return greetings.removeVariant(id, language, actor(req));
    },
  );
  api.op(
    {
      method: 'get',
      path: '/:id/variants/:language/audio',
      summary: "A variant's audio (audio/wav, 8 kHz mono) for the browser",
      roles: ADMIN_SUPERVISOR,
    },
    async ({ res, params }) => {
      const { id, language } = variant(params);
      const g = await greetings.get(id);
      if (!g.languages.includes(language)) throw new NotFoundError(`greeting ${id} in language ${language}`);
      return sendWav(res, greetings.files.storePath(id, language, 'wav'), `greeting-${id}-${language}.wav`);
    },
  );
  api.op(
    {
      method: 'post',
      path: '/:id/record',
      summary:
        'Call an extension and record this language variant from it (beep, speak, # to stop); answers 202 with a job to poll',
      roles: ADMIN,
      body: RecordByPhone,
      status: 202,
    },
    async ({ req, params, body }) => {
      const id = greetingId(params);
      await greetings.get(id);
      await assertExtension(deps, body.extension);
      return jobToApi(await phone.record(id, body.extension, body.language, body.max_seconds, actor(req)));
    },
  );
  api.op(
    {
      method: 'post',
      path: '/:id/play',
      summary:
        'Call an extension and play the greeting to it (in language, if given); 202 with a job to poll',
      roles: ADMIN,
      body: PlayToPhone,
      status: 202,
    },
    async ({ req, params, body }) => {
      const id = greetingId(params);
      const g = await greetings.get(id);
      if (g.languages.length === 0) {
        throw new UnprocessableError(`greeting ${id} has no audio yet`);
      }
      await assertExtension(deps, body.extension);
      return jobToApi(await phone.play(id, body.extension, body.language ?? null, actor(req)));
    },
  );
  return api.router;
}
