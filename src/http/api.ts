import { type Request, type Response, Router } from 'express';
import type { z } from 'zod';
import { answered, completeAudit, withAuditScope } from '../audit/scope';
import { requireRole } from '../auth/middleware';
import type { Role } from '../auth/users.repo';
import type { OpenApiRegistry } from './openapi';
import { parse } from './parse';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
const CHANGES_ONE = new Set<Method>(['put', 'patch', 'delete']);
// What a read run for the audit gets as its response: one that answers by itself (a download)
// fails here instead of answering the write's request.
const NO_RESPONSE = new Proxy({} as Response, {
  get() {
    throw new Error('this read answers by itself; it cannot give the audit its object');
  },
});

// The sets of roles the operations admit. A user (role 'user') is narrowed further by the
// operation to what is their own.
export const ADMIN: readonly Role[] = ['admin'];
export const ADMIN_SUPERVISOR: readonly Role[] = ['admin', 'supervisor'];
export const ADMIN_USER: readonly Role[] = ['admin', 'user'];
export const ALL_ROLES: readonly Role[] = ['admin', 'supervisor', 'user'];

export interface OpSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  method: Method;
  path: string;
  summary: string;
  roles: readonly Role[];
  body?: B;
  query?: Q;
  status?: number;
  bodyContentType?: string;
}

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface OpContext<B, Q> {
  req: Request;
  res: Response;
  body: B;
  query: Q;
  params: Record<string, string>;
}

// One declaration per operation: authorisation, parsing, OpenAPI entry and the JSON response.
export class ApiRouter {
  constructor(
    readonly router: Router,
    private readonly basePath: string,
    private readonly registry: OpenApiRegistry,
  ) {}

  // The reads without a query, by path: a change or delete of the same path reads the object
  // through it first, for the audit row's `before`.
  private readonly reads = new Map<string, (ctx: OpContext<undefined, undefined>) => Promise<unknown>>();

  op<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
    spec: OpSpec<B, Q>,
    handler: (ctx: OpContext<Infer<B>, Infer<Q>>) => Promise<unknown>,
  ): void {
    if (spec.method === 'get' && !spec.query && !spec.body)
      this.reads.set(spec.path, handler as (ctx: OpContext<undefined, undefined>) => Promise<unknown>);
    this.registry.add({
      method: spec.method,
      path: this.basePath + spec.path,
      summary: spec.summary,
      roles: spec.roles,
      body: spec.body,
      query: spec.query,
      status: spec.status ?? 200,
      bodyContentType: spec.bodyContentType,
    });
    this.router[spec.method](spec.path, requireRole(...spec.roles), async (req: Request, res: Response) => {
      const body = (spec.body ? parse(spec.body, req.body) : undefined) as Infer<B>;
      const query = (spec.query ? parse(spec.query, req.query) : undefined) as Infer<Q>;
      const params = req.params as Record<string, string>;
      const scope = req.auditScope;
      if (scope) {
        // The audit row names the operation as the API document does and keeps the validated
        // body (redacted when written), not the raw one.
        scope.summary = spec.summary;
        if (spec.body) scope.after = body;
        // The object as it was: what this router's read of the same path answers now. A read
        // that fails (the object is missing) is left for the write itself to answer (404).
        const read = this.reads.get(spec.path);
        if (read && CHANGES_ONE.has(spec.method))
          scope.before = await read({
            req,
            res: NO_RESPONSE,
            body: undefined,
            query: undefined,
            params,
          }).catch(() => undefined);
      }
      const result = await withAuditScope(req, () => handler({ req, res, body, query, params }));
      if (answered(res)) return;
      await completeAudit(req, result);
      if (result === undefined) res.status(spec.status ?? 204).end();
      else res.status(spec.status ?? 200).json(result);
    });
  }
}

// A router of its own for the operations under basePath; mount api.router where basePath is.
export function apiRouter(deps: { openapi: OpenApiRegistry }, basePath: string): ApiRouter {
  return new ApiRouter(Router(), basePath, deps.openapi);
}
