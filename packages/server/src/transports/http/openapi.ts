/**
 * Builds the OpenAPI 3.1 document from the routes' own JSON Schemas (TypeBox), collected as they
 * are registered: what is validated is what is documented.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

interface Op {
  method: string;
  url: string;
  schema: Record<string, unknown>;
}

export function collectOpenApi(app: FastifyInstance, version: string): () => unknown {
  const ops: Op[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (!schema || !route.url.startsWith('/api/')) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods)
      if (method !== 'HEAD') ops.push({ method: method.toLowerCase(), url: route.url, schema });
  });
  return () => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const op of ops) {
      const path = op.url.replace(/:([A-Za-z]+)/g, '{$1}');
      const parameters: unknown[] = [];
      for (const [where, key] of [
        ['path', 'params'],
        ['query', 'querystring'],
      ] as const) {
        const s = op.schema[key] as { properties?: Record<string, unknown>; required?: string[] } | undefined;
        for (const [name, p] of Object.entries(s?.properties ?? {})) {
          parameters.push({
            name,
            in: where,
            required: where === 'path' || (s?.required ?? []).includes(name),
            schema: p,
          });
        }
      }
      paths[path] ??= {};
      paths[path][op.method] = {
        summary: op.schema.summary,
        tags: op.schema.tags,
        ...(op.schema.security === false ? {} : { security: [{ bearer: [] }] }),
        parameters,
        ...(op.schema.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: op.schema.body } } } }
          : {}),
        responses: {
          '200': {
            description: 'OK',
            content: {
              'application/json': {
                schema: (op.schema.response as Record<string, unknown> | undefined)?.['200'] ?? {},
              },
            },
          },
          default: { description: 'Error: { error: { code, message } }; codes in docs/errors.md' },
        },
      };
    }
    return {
      openapi: '3.1.0',
      info: { title: 'Stoa API', version },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      paths,
    };
  };
}

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI document. */
    summary?: string;
    tags?: string[];
    /** `false` for the routes that need no token. */
    security?: false;
  }
}
