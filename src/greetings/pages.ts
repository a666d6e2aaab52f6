import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { parse } from '../http/parse';
import { LANGUAGE_SUGGESTIONS } from '../lib/language';
import { formNumber, handleForm, parseForm, showsOnItsPage } from '../web/forms';
import { givenFields, requirePage, type ShowPageOf, sendPage } from '../web/page-helpers';
import { espeakVoices } from './audio';
import { greetingContext } from './context';
import { assertExtension, jobToApi } from './routes';
import {
  CreateGreeting,
  GreetingParams,
  JobParams,
  MAX_RECORD_SECONDS,
  PlayToPhone,
  RecordByPhone,
  VariantParams,
} from './schema';
import { uploadedFile } from './upload';

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

  const detailPage: ShowPageOf<number> = async (req, res, id, extra = {}, status = 200) => {
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
    const raw = givenFields(req.body, ['name', 'description', 'default_language', 'tts_text', 'tts_voice']);
    await handleForm(res, {
      run: () => greetings.create(parse(CreateGreeting, raw), uploadedFile(req), actor(req)),
      redirect: (g) => `/greetings/${g.id}`,
      refused: ({ status, errorMessage, errors }) =>
        listPage(req, res, { values: raw, errorMessage, errors }, status),
    });
  });

  router.get('/greetings/:id', requirePage('admin', 'supervisor'), async (req, res) => {
    await detailPage(req, res, idOf(req));
  });

  router.post('/greetings/:id/variants', admin, async (req, res) => {
    const id = idOf(req);
    const raw = givenFields(req.body, ['language', 'tts_text', 'tts_voice']);
    await handleForm(res, {
      run: async () => {
        const { language } = parse(VariantParams, { id, language: raw['language'] ?? '' });
        const body = parse(CreateGreeting.pick({ tts_text: true, tts_voice: true }), {
          ...(raw['tts_text'] ? { tts_text: raw['tts_text'] } : {}),
          ...(raw['tts_voice'] ? { tts_voice: raw['tts_voice'] } : {}),
        });
        await greetings.putVariant(id, language, greetings.sourceFor(body, uploadedFile(req)), actor(req));
      },
      redirect: `/greetings/${id}`,
      refused: ({ status, errorMessage, errors }) =>
        detailPage(req, res, id, { values: raw, errorMessage, errors }, status),
    });
  });

  router.post('/greetings/:id/variants/:language/delete', admin, async (req, res) => {
    const { id, language } = parse(VariantParams, { id: req.params['id'], language: req.params['language'] });
    await handleForm(res, {
      run: () => greetings.removeVariant(id, language, actor(req)),
      redirect: `/greetings/${id}`,
      refused: ({ status, errorMessage }) => detailPage(req, res, id, { errorMessage }, status),
    });
  });

  router.post('/greetings/:id/delete', admin, async (req, res) => {
    const id = idOf(req);
    await handleForm(res, {
      run: () => greetings.remove(id, actor(req)),
      redirect: '/greetings',
      shows: showsOnItsPage,
      refused: ({ status, errorMessage }) => detailPage(req, res, id, { errorMessage }, status),
    });
  });

  router.post('/greetings/:id/record', admin, async (req, res) => {
    const id = idOf(req);
    const raw = givenFields(req.body, ['extension', 'language', 'max_seconds']);
    await handleForm(res, {
      run: async () => {
        const max = formNumber(raw, 'max_seconds', { min: 2, max: MAX_RECORD_SECONDS });
        const input = parseForm(RecordByPhone, {
          ...raw,
          ...(max !== undefined ? { max_seconds: max } : {}),
        });
        await assertExtension(deps, input.extension);
        return phone.record(id, input.extension, input.language, input.max_seconds, actor(req));
      },
      redirect: (job) => `/greetings/${id}?job=${job.id}`,
      refused: ({ status, errorMessage }) =>
        detailPage(req, res, id, { phoneValues: raw, phoneMessage: errorMessage }, status),
    });
  });

  router.post('/greetings/:id/play', admin, async (req, res) => {
    const id = idOf(req);
    const raw = givenFields(req.body, ['extension', 'language']);
    await handleForm(res, {
      run: async () => {
        const input = parse(PlayToPhone, raw);
        await assertExtension(deps, input.extension);
        return phone.play(id, input.extension, input.language ?? null, actor(req));
      },
      redirect: (job) => `/greetings/${id}?job=${job.id}`,
      refused: ({ status, errorMessage }) =>
        detailPage(req, res, id, { phoneValues: raw, phoneMessage: errorMessage }, status),
    });
  });

  return router;
}
