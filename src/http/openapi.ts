import { z } from 'zod';
import type { Role } from '../auth/users.repo';

export interface OperationDoc {
  method: string;
  path: string;
  summary: string;
  roles: readonly Role[] | 'public';
  body?: z.ZodType | undefined;
  query?: z.ZodType | undefined;
  status: number;
  bodyContentType?: string | undefined;
}

// Fed by the same schemas that validate requests, so the document cannot drift from the code.
export class OpenApiRegistry {
  private readonly ops: OperationDoc[] = [];

  add(op: OperationDoc): void {
    this.ops.push(op);
  }

  document(): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const op of this.ops) {
      const path = op.path.replace(/:([A-Za-z_]+)/g, '{$1}');
      const params = [...op.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      const query = op.query ? queryParams(op.query) : [];
      paths[path] ??= {};
      paths[path][op.method] = {
        summary: op.summary,
        description: op.roles === 'public' ? 'No authentication.' : `Roles: ${op.roles.join(', ')}.`,
        parameters: [...params, ...query],
        ...(op.body
          ? {
              requestBody: {
                required: true,
                content: { [op.bodyContentType ?? 'application/json']: { schema: toSchema(op.body) } },
              },
            }
          : {}),
        responses: {
          [String(op.status)]: { description: 'Success' },
          '400': { $ref: '#/components/responses/Error' },
          ...(op.roles === 'public'
            ? {}
            : {
                '401': { $ref: '#/components/responses/Error' },
                '403': { $ref: '#/components/responses/Error' },
              }),
        },
        ...(op.roles === 'public' ? { security: [] } : {}),
      };
    }
    return {
      openapi: '3.1.0',
      info: { title: 'Switchboard API', version: '1' },
      servers: [{ url: '/' }],
      security: [{ bearer: [] }, { session: [] }],
      paths,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'sb_session' },
        },
        responses: {
          Error: {
            description: 'Error',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    error: {
                      type: 'object',
                      required: ['code', 'message', 'details'],
                      properties: {
                        code: { type: 'string' },
                        message: { type: 'string' },
                        details: {
                          type: 'array',
                          items: {
                            type: 'object',
                            properties: { path: { type: 'string' }, message: { type: 'string' } },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    };
  }
}

function toSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

function queryParams(schema: z.ZodType): unknown[] {
  const json = toSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: s,
  }));
}
