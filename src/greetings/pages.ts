import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { NotFoundError } from '../http/errors';
import { parse } from '../http/parse';
import { formString, refusal, requirePage, sendPage } from '../web/page-helpers';
import { espeakVoices } from './audio';
import { greetingContext } from './context';
import { assertExtension, jobToApi } from './routes';
import {
  CreateGreeting,
  GreetingParams,
  JobParams,
  PlayToPhone,
  RecordByPhone,
  VariantParams,
} from './schema';
import { uploadedFile } from './upload';

const LANGUAGE_SUGGESTIONS = ['en', 'en_GB', 'en_US', 'fr', 'fr_BE', 'nl', 'nl_BE', 'de', 'es', 'it', 'pt'];

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

export function greetingPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const { greetings, phone } = greetingContext(deps);
  const actor = (req: Request) => actorFor(deps, actorName(req));
  const voices = async () => [...(await espeakVoices().catch(() => new Set<string>()))].sort();

  const listPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const items = await greetings.list();
    sendPage(
      req,
      res,
      'greetings/list',
      {
        title: 'Greetings',
        nav: 'greetings',
        items: items.map((g) => ({
          ...g,
          variants: g.variants.map((v) => ({ ...v, seconds: seconds(v.duration_ms) })),
        })),
        voices: await voices(),
        languages: LANGUAGE_SUGGESTIONS,
        values: { default_language: 'en' },
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
    const g = await greetings.get(id);
    const jobId = typeof req.query['job'] === 'string' ? req.query['job'] : undefined;
    const job = jobId && JobParams.safeParse({ job: jobId }).success ? phone.get(jobId) : null;
    sendPage(
      req,
      res,
      'greetings/detail',
      {
        title: `Greeting ${g.name}`,
        nav: 'greetings',
        g: { ...g, variants: g.variants.map((v) => ({ ...v, seconds: seconds(v.duration_ms) })) },
        job: job ? { ...jobToApi(job), running: !job.finishedAt } : null,
        voices: await voices(),
        languages: LANGUAGE_SUGGESTIONS,
        values: { language: g.default_language },
        ...extra,
      },
      status,
    );
  };

  const idOf = (req: Request) => parse(GreetingParams, { id: req.params['id'] }).id;

  router.get('/greetings', requirePage('admin', 'supervisor'), async (req, res) => {
    await listPage(req, res);
  });

  router.post('/greetings', admin, async (req, res) => {
    const raw = fields(req.body, ['name', 'description', 'default_language', 'tts_text', 'tts_voice']);
    try {
      const input = parse(CreateGreeting, raw);
      const g = await greetings.create(input, uploadedFile(req), actor(req));
      res.redirect(303, `/greetings/${g.id}`);
    } catch (caught) {
      const err = refusal(caught);
      await listPage(req, res, { values: raw, errorMessage: err.message, errors: err.details }, err.status);
    }
  });

  router.get('/greetings/:id', requirePage('admin', 'supervisor'), async (req, res) => {
    await detailPage(req, res, idOf(req));
  });

  router.post('/greetings/:id/variants', admin, async (req, res) => {
    const id = idOf(req);
    const raw = fields(req.body, ['language', 'tts_text', 'tts_voice']);
    try {
      const { language } = parse(VariantParams, { id, language: raw['language'] ?? '' });
      const body = parse(CreateGreeting.pick({ tts_text: true, tts_voice: true }), {
        ...(raw['tts_text'] ? { tts_text: raw['tts_text'] } : {}),
        ...(raw['tts_voice'] ? { tts_voice: raw['tts_voice'] } : {}),
      });
      await greetings.putVariant(id, language, greetings.sourceFor(body, uploadedFile(req)), actor(req));
      res.redirect(303, `/greetings/${id}`);
    } catch (caught) {
      const err = refusal(caught);
      await detailPage(
        req,
        res,
        id,
        { values: raw, errorMessage: err.message, errors: err.details },
        err.status,
      );
    }
  });

  router.post('/greetings/:id/variants/:language/delete', admin, async (req, res) => {
    const { id, language } = parse(VariantParams, { id: req.params['id'], language: req.params['language'] });
    try {
      await greetings.removeVariant(id, language, actor(req));
      res.redirect(303, `/greetings/${id}`);
    } catch (caught) {
      const err = refusal(caught);
      await detailPage(req, res, id, { errorMessage: err.message }, err.status);
    }
  });

  router.post('/greetings/:id/delete', admin, async (req, res) => {
    const id = idOf(req);
    try {
      await greetings.remove(id, actor(req));
      res.redirect(303, '/greetings');
    } catch (caught) {
      const err = refusal(caught);
      if (err instanceof NotFoundError) throw err;
      await detailPage(req, res, id, { errorMessage: err.message }, err.status);
    }
  });

  router.post('/greetings/:id/record', admin, async (req, res) => {
    const id = idOf(req);
    const raw = fields(req.body, ['extension', 'language', 'max_seconds']);
    try {
      const max = raw['max_seconds'];
      const input = parse(RecordByPhone, {
        ...raw,
        ...(max !== undefined ? { max_seconds: /^[0-9]{1,4}$/.test(max) ? Number(max) : max } : {}),
      });
      await assertExtension(deps, input.extension);
      const job = await phone.record(id, input.extension, input.language, input.max_seconds, actor(req));
      res.redirect(303, `/greetings/${id}?job=${job.id}`);
    } catch (caught) {
      const err = refusal(caught);
      await detailPage(req, res, id, { phoneValues: raw, phoneMessage: err.message }, err.status);
    }
  });

  router.post('/greetings/:id/play', admin, async (req, res) => {
    const id = idOf(req);
    const raw = fields(req.body, ['extension', 'language']);
    try {
      const input = parse(PlayToPhone, raw);
      await assertExtension(deps, input.extension);
      const job = await phone.play(id, input.extension, input.language ?? null, actor(req));
      res.redirect(303, `/greetings/${id}?job=${job.id}`);
    } catch (caught) {
      const err = refusal(caught);
      await detailPage(req, res, id, { phoneValues: raw, phoneMessage: err.message }, err.status);
    }
  });

  return router;
}
