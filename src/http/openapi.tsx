import { Elysia, type AnyElysia } from 'elysia';
import { toOpenAPISchema } from '@elysiajs/openapi';
import { ApiDocsPage, type DocOperation } from '../../views/docs/api-docs';

type Spec = { openapi: string; info: Record<string, string>; paths: Record<string, Record<string, any>>; components: unknown };

/**
 * The OpenAPI document of everything under /v1, generated from the routes' TypeBox schemas,
 * and a docs page rendered on the server (no CDN: it works with no internet access).
 */
export function openapiRoutes(getApp: () => AnyElysia) {
  let cached: Spec | null = null;
  const spec = (): Spec => {
    if (cached) return cached;
    const generated = toOpenAPISchema(getApp());
    const paths = Object.fromEntries(Object.entries(generated.paths).filter(([p]) => p.startsWith('/v1/')));
    cached = {
      openapi: '3.0.3',
      info: { title: 'Niro API', version: '1', description: 'Authenticate with `Authorization: Bearer niro_pat_…` (create a token under Settings → API tokens). Errors are `{"error":{"code","message"}}`.' },
      paths: paths as Spec['paths'],
      components: { ...generated.components, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, agentKey: { type: 'apiKey', in: 'header', name: 'X-Niro-Agent-Key' } } },
    };
    return cached;
  };
  return new Elysia({ name: 'openapi' })
    .get('/v1/openapi.json', () => spec(), { detail: { hide: true } })
    .get('/docs/api', () => {
      const ops: DocOperation[] = [];
      for (const [path, methods] of Object.entries(spec().paths)) {
        for (const [method, op] of Object.entries(methods)) {
          ops.push({ method: method.toUpperCase(), path, summary: op.summary ?? '', tag: op.tags?.[0] ?? 'other', parameters: (op.parameters ?? []).map((p: any) => `${p.in} ${p.name}${p.required ? '' : '?'}`), body: op.requestBody ? JSON.stringify(op.requestBody.content?.['application/json']?.schema ?? {}, null, 1) : '' });
        }
      }
      return <ApiDocsPage ops={ops} />;
    });
}
