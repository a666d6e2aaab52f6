import express, { Router } from 'express';
import { z } from 'zod';
import { actorFor } from '../apply/trigger';
import { auditRead } from '../audit';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ADMIN, ADMIN_SUPERVISOR, ApiRouter } from '../http/api';
import { ForbiddenError, ValidationError } from '../http/errors';
import { parse } from '../http/parse';
import { parseImport, toCsv } from './csv';
import { importExtensions } from './import';
import { registrations } from './registration';
import * as repo from './repo';
import { createExtensionSchema, extensionNumber, ListQuery, PatchExtension, UpdateExtension } from './schema';
import * as service from './service';

// Secrets leave only when asked for by name: a plain export (the list page's button) has none.
const ExportQuery = z.strictObject({ secrets: z.enum(['0', '1']).default('0') });

const ImportQuery = z.strictObject({
  dry_run: z.enum(['true', 'false']).default('false'),
  mode: z.enum(['create', 'upsert']).default('create'),
});

export function extensionActor(deps: Deps, by: string): service.ExtensionActor {
  const actor = actorFor(deps, by);
  return {
    ...actor,
    authUsernames: deps.config.sipAuthUsername,
    extensionsDeleted: (numbers) => {
      // Followed by the queue: a forced apply answers only once these registrations are gone.
      deps.applyQueue.follow(
        (async () => {
          // The apply is requested at once, so deletes sent together share one apply.
          const rev = await actor.apply(`extension ${numbers.join(', ')} deleted`, { extensions: numbers });
          // Only once the AORs are gone can no phone register again; a failed apply kept them.
          if (rev.status === 'failed') return;
          for (const n of numbers) {
            // Created again meanwhile: its contacts are the new extension's registrations.
            if (await repo.findByNumber(deps.db, n)) continue;
            const ids = await deps.contacts.storedContactIds(n, deps.control).catch(() => []);
            await deps.contacts.purge(n, ids, deps.control);
          }
        })().catch((err: unknown) => deps.log.error({ err }, 'deleting extensions from Asterisk failed')),
      );
    },
  };
}

export function extensionRoutes(deps: Deps): Router {
  const router = Router();
  const api = new ApiRouter(router, '/api/v1/extensions', deps.openapi);
  const Create = createExtensionSchema(deps.config.extensionRange);
  const NumberParam = z.strictObject({ number: extensionNumber(deps.config.extensionRange) });
  const numberParam = (params: Record<string, string>) =>
    parse(NumberParam, { number: params['number'] }).number;

  api.op(
    {
      method: 'get',
      path: '/',
      summary: 'List extensions (cursor-paginated, live registration state)',
      roles: ADMIN_SUPERVISOR,
      query: ListQuery,
    },
    async ({ query }) => {
      const { rows, total } = await repo.page(deps.db, {
        limit: query.limit,
        after: query.cursor,
        q: query.q,
      });
      const regs = await registrations(
        deps.ari,
        deps.log,
        rows.map((r) => r.number),
        null,
      );
      const last = rows.at(-1);
      return {
        items: rows.map((r) => ({ ...repo.toApi(r), registration: regs.get(r.number) })),
        total,
        next_cursor: rows.length === query.limit && last ? last.number : null,
      };
    },
  );

  api.op(
    {
      method: 'post',
      path: '/',
      summary: 'Create an extension (the SIP secret is shown once)',
      roles: ADMIN,
      body: Create,
      status: 201,
    },
    async ({ req, body }) => {
      const { extension, sipSecret } = await withTx(deps.db, (tx) =>
        service.create(tx, body, extensionActor(deps, actorName(req))),
      );
      return { ...extension, sip_secret: sipSecret };
    },
  );

  // Registered before /:number so the literal paths are not captured as a number.
  api.op(
    {
      method: 'get',
      path: '/export',
      summary:
        'Export all extensions as CSV (re-importable; SIP secrets only with secrets=1, which is logged)',
      roles: ADMIN,
      query: ExportQuery,
    },
    async ({ req, res, query }) => {
      const secrets = query.secrets === '1';
      // Every SIP secret in one GET: a read-only token (a dashboard's, say) must not get them,
      // though the method reads.
      if (secrets && req.auth?.scope === 'read')
        throw new ForbiddenError('a read-only token cannot export SIP secrets');
      const rows = await repo.listAll(deps.db);
      await auditRead(
        req,
        deps.db,
        secrets ? 'Export extensions with their SIP secrets' : 'Export extensions (without secrets)',
      );
      deps.log.info(
        { by: actorName(req), extensions: rows.length, withSecrets: secrets },
        secrets ? 'extensions exported with their SIP secrets' : 'extensions exported',
      );
      res.type('text/csv').attachment('extensions.csv').send(toCsv(rows, { secrets }));
    },
  );

  router.post('/import', express.text({ type: ['text/csv', 'text/plain'], limit: '5mb' }));
  api.op(
    {
      method: 'post',
      path: '/import',
      summary: 'Import extensions from CSV (dry_run=true validates only; all or nothing)',
      roles: ADMIN,
      query: ImportQuery,
      body: z.string().min(1, 'the CSV body is empty'),
      bodyContentType: 'text/csv',
    },
    async ({ req, query, body }) => {
      if (typeof req.body !== 'string')
        throw new ValidationError([{ path: 'content-type', message: 'send the CSV as text/csv' }]);
      const parsed = parseImport(body, Create);
      return withTx(deps.db, (tx) =>
        importExtensions(
          tx,
          parsed,
          { dryRun: query.dry_run === 'true', mode: query.mode },
          extensionActor(deps, actorName(req)),
        ),
      );
    },
  );

  api.op(
    {
      method: 'get',
      path: '/:number',
      summary: 'Get an extension with its live registration',
      roles: ADMIN_SUPERVISOR,
    },
    async ({ params }) => {
      const number = numberParam(params);
      const extension = await service.get(deps.db, number);
      const regs = await registrations(deps.ari, deps.log, [number], deps.contacts);
      return { ...extension, registration: regs.get(number) };
    },
  );

  api.op(
    {
      method: 'post',
      path: '/:number/reveal-secret',
      summary: 'Reveal the SIP secret (admin only, audited in the log)',
      roles: ADMIN,
    },
    async ({ req, params }) => {
      const number = numberParam(params);
      deps.log.info({ by: actorName(req), extension: number }, 'SIP secret revealed');
      const { sipSecret, authUsername } = await service.revealSecret(deps.db, number);
      return { sip_secret: sipSecret, auth_username: authUsername };
    },
  );

  api.op(
    {
      method: 'put',
      path: '/:number',
      summary: 'Replace an extension',
      roles: ADMIN,
      body: UpdateExtension,
    },
    async ({ req, params, body }) => {
      const number = numberParam(params);
      return withTx(deps.db, (tx) => service.replace(tx, number, body, extensionActor(deps, actorName(req))));
    },
  );

  api.op(
    {
      method: 'patch',
      path: '/:number',
      summary: 'Change some fields of an extension',
      roles: ADMIN,
      body: PatchExtension,
    },
    async ({ req, params, body }) => {
      const number = numberParam(params);
      return withTx(deps.db, (tx) => service.patch(tx, number, body, extensionActor(deps, actorName(req))));
    },
  );

  api.op(
    { method: 'delete', path: '/:number', summary: 'Delete an extension', roles: ADMIN, status: 204 },
    async ({ req, params }) => {
      const number = numberParam(params);
      await withTx(deps.db, (tx) => service.remove(tx, number, extensionActor(deps, actorName(req))));
      return undefined;
    },
  );

  return router;
}
