import { Elysia, type AnyElysia } from 'elysia';
import { toOpenAPISchema } from '@elysiajs/openapi';
import { ApiDocsPage, type DocOperation } from '../../views/docs/api-docs';
import { ApiErrorJson } from './responses';
import { ERROR_CODES, ERROR_CODE_LIST } from './error-codes';

type Spec = { openapi: string; info: Record<string, string>; paths: Record<string, Record<string, any>>; components: unknown };

/** TypeBox emits JSON Schema (`const`, `type: [..., "null"]`), which is what OpenAPI 3.1 takes as is. */
const OPENAPI_VERSION = '3.1.0';

/** Every operation can answer an error body; its code says which (validation, auth, scope, conflict…). */
const ERROR_RESPONSES = {
  '4XX': {
    description: 'Refused: `{"error":{"code","message"}}`; the code says why',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  '5XX': {
    description: 'Failed on the server: `{"error":{"code","message"}}`',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
};

/** 2xx, or 101 for a WebSocket upgrade: what a client gets when the call works. */
export const isSuccessStatus = (status: string): boolean => /^2\d\d$/.test(status) || status === '101';

/** The operations of one path, as clients call them: a WebSocket (Elysia's `ws`) opens with a GET, and any may fail. */
function documentOperations(methods: Record<string, any>): Record<string, any> {
  return Object.fromEntries(
    Object.entries(methods).map(([method, op]) => [method === 'ws' ? 'get' : method, { ...op, responses: { ...op.responses, ...ERROR_RESPONSES } }]),
  );
}

/** One line per success status (`201 application/json`) and its schema, for the docs page. */
function describeResponses(responses: Record<string, any>): string {
  return Object.entries(responses)
    .filter(([status]) => isSuccessStatus(status))
    .map(([status, r]) => {
      const content = Object.entries((r.content ?? {}) as Record<string, { schema?: unknown }>);
      if (content.length === 0) return `${status} ${r.description ?? ''}`;
      return content.map(([type, c]) => `${status} ${type}\n${JSON.stringify(c.schema ?? {}, null, 1)}`).join('\n');
    })
    .join('\n\n');
}

type RouteLike = { hooks?: { parse?: { fn: unknown }[] } & Record<string, unknown> } & Record<string, unknown>;

/**
 * The app as the OpenAPI generator reads it, without parse hooks that are functions (the input guard's):
 * the generator takes a body's content types from a route's named parsers and, meeting a function, gives
 * the body no content at all. Without them it falls back to the types Elysia parses by default.
 */
function documentedApp(app: AnyElysia): AnyElysia {
  const source = app as unknown as { getGlobalRoutes(): RouteLike[]; getGlobalDefinitions?: () => unknown };
  const routes = source.getGlobalRoutes().map((route) => {
    const parse = route.hooks?.parse?.filter((p) => typeof p.fn !== 'function');
    return { ...route, hooks: { ...route.hooks, parse: parse?.length ? parse : undefined } };
  });
  return { getGlobalRoutes: () => routes, getGlobalDefinitions: () => source.getGlobalDefinitions?.() } as unknown as AnyElysia;
}

/**
 * The OpenAPI document of everything under /v1, generated from the routes' TypeBox schemas,
 * and a docs page rendered on the server (no CDN: it works with no internet access).
 */
export function openapiRoutes(getApp: () => AnyElysia) {
  let cached: Spec | null = null;
  const spec = (): Spec => {
    if (cached) return cached;
    const generated = toOpenAPISchema(documentedApp(getApp()), undefined, undefined, undefined, OPENAPI_VERSION);
    const paths = Object.fromEntries(
      Object.entries(generated.paths)
        .filter(([p]) => p.startsWith('/v1/'))
        .map(([p, methods]) => [p, documentOperations(methods ?? {})]),
    );
    cached = {
      openapi: OPENAPI_VERSION,
      info: {
        title: 'Niro API',
        version: '1',
        description:
          'Authenticate with `Authorization: Bearer niro_pat_…` (create a token under Settings → API tokens). Errors are `{"error":{"code","message"}}`; the code is one of the `Error` schema\'s list.',
      },
      paths: paths as Spec['paths'],
      components: {
        ...generated.components,
        schemas: { ...generated.components.schemas, Error: ApiErrorJson },
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, agentKey: { type: 'apiKey', in: 'header', name: 'X-Niro-Agent-Key' } },
      },
    };
    return cached;
  };
  return new Elysia({ name: 'openapi' })
    .get('/v1/openapi.json', () => spec(), { detail: { hide: true } })
    .get('/docs/api', () => {
      const ops: DocOperation[] = [];
      for (const [path, methods] of Object.entries(spec().paths)) {
        for (const [method, op] of Object.entries(methods)) {
          ops.push({
            method: method.toUpperCase(),
            path,
            summary: op.summary ?? '',
            tag: op.tags?.[0] ?? 'other',
            parameters: (op.parameters ?? []).map((p: any) => `${p.in} ${p.name}${p.required ? '' : '?'}`),
            body: op.requestBody ? JSON.stringify(op.requestBody.content?.['application/json']?.schema ?? {}, null, 1) : '',
            responses: describeResponses(op.responses ?? {}),
          });
        }
      }
      return <ApiDocsPage ops={ops} errors={ERROR_CODE_LIST.map((code) => ({ code, ...ERROR_CODES[code] }))} />;
    });
}
