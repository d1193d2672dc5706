// Writes ROUTES.md: every route of the real app with the file that declares it and who may call it.
// `npm run routes` regenerates it (on the test Postgres, as the tests do); tools/routes.test.ts fails when the
// committed file differs from what this renders. Nothing here names a route or a file: the routes come from
// the app (`createApp`, through the test builder), the files from the source (route-sources.ts), and the auth
// from how each route answers a caller without credentials.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestApp, startTestApp } from '../src/testing/app';
import { findRouteSources, routeKey } from './route-sources';

export const ROOT = join(import.meta.dir, '..');
export const ROUTES_FILE = join(ROOT, 'ROUTES.md');

/** user: a signed-in user (session cookie or API token); agent: an agent credential; metrics: the scrape token; public: no credentials. */
export type Auth = 'user' | 'agent' | 'metrics' | 'public';

export type RouteRow = { method: string; path: string; file: string; auth: Auth };

/** The JSON Schema subset TypeBox emits for this app's bodies and queries. */
type Schema = {
  type?: string;
  const?: unknown;
  default?: unknown;
  format?: string;
  anyOf?: Schema[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  minLength?: number;
  minItems?: number;
  minimum?: number;
};

/** Routes under this prefix belong to the agent: its enrollment token (enroll) or its agent key, never a user's. */
const AGENT_PREFIX = '/v1/agent/';
/** What stands in for every path parameter: a well-formed id that names nothing. */
const PARAM = '00000000-0000-0000-0000-000000000000';
const METHOD_ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'ALL', 'HEAD', 'OPTIONS', 'WS'];

function errorCode(text: string): string | null {
  try {
    const parsed: { error?: { code?: unknown } } = JSON.parse(text);
    return typeof parsed.error?.code === 'string' ? parsed.error.code : null;
  } catch {
    return null;
  }
}

/** The smallest value the schema accepts, so a probe gets past validation to the handler. */
function sample(schema: Schema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (schema.anyOf) return sample(schema.anyOf[0]);
  switch (schema.type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((name) => [name, sample(schema.properties?.[name] ?? {})]));
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items ?? {}));
    case 'string':
      if (schema.format === 'email') return 'probe@example.com';
      if (schema.format === 'uuid') return PARAM;
      if (schema.format === 'date-time') return '2030-01-01T00:00:00.000Z';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 0));
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/**
 * Who may call a route, by asking it without credentials (with a body and query that pass validation):
 * the sign-in gate's answers — a redirect to the login page carrying `next` (pages), a 401 `unauthorized`
 * (the API) — mean a signed-in user; any other answer (a page, a 404 for the made-up id, a failed login's
 * 401 page) means the route serves everyone. A 400 means the probe did not get past validation: an
 * error to fix here, not a guess.
 */
async function probeAuth(t: TestApp, method: string, path: string, hooks: { body?: Schema; query?: Schema }): Promise<Auth> {
  if (path.startsWith(AGENT_PREFIX)) return 'agent';
  if (method === 'WS') throw new Error(`${path}: a WebSocket outside ${AGENT_PREFIX} cannot be probed with a request; say here how to`);
  const url = new URL(path.replace(/:[A-Za-z]+/g, PARAM), 'http://probe');
  const query = hooks.query ? sample(hooks.query) : {};
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) url.searchParams.set(name, String(value));
  const body = hooks.body ? JSON.stringify(sample(hooks.body)) : undefined;
  const res = await t.request(url.pathname + url.search, { method, body, headers: body ? { 'content-type': 'application/json' } : {} });
  const text = await res.text();
  if (res.status === 400) throw new Error(`${method} ${path}: the probe was refused as invalid (400: ${text}); teach sample() this route's schema`);
  const location = res.headers.get('location') ?? '';
  if (res.status >= 300 && res.status < 400 && location.startsWith('/login?next=')) return 'user';
  if (res.status === 401 && (res.headers.get('content-type') ?? '').includes('json') && errorCode(text) === 'unauthorized') return 'user';
  if (res.status === 401 && (res.headers.get('www-authenticate') ?? '').includes('niro metrics')) return 'metrics';
  return 'public';
}

/** Every route of the app, sorted by path then method. */
export async function listRoutes(): Promise<RouteRow[]> {
  const sources = findRouteSources(ROOT);
  // With a scrape token configured, so /metrics answers as it does in production (off otherwise).
  const t = await startTestApp({ metricsToken: 'routes-probe-metrics-token' });
  try {
    const rows: RouteRow[] = [];
    for (const route of t.app.routes) {
      const file = sources.get(routeKey(route.method, route.path));
      if (!file) throw new Error(`${route.method} ${route.path}: no \`new Elysia(…).${route.method.toLowerCase()}(…)\` declares it under src/`);
      const auth = await probeAuth(t, route.method, route.path, route.hooks as { body?: Schema; query?: Schema });
      rows.push({ method: route.method, path: route.path, file, auth });
    }
    return rows.sort((a, b) => a.path.localeCompare(b.path) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method));
  } finally {
    await t.close();
  }
}

export function renderRoutes(rows: RouteRow[]): string {
  const lines = [
    '# Routes',
    '',
    'Every route the control plane serves, the file that declares it, and who may call it. Generated from the app',
    'itself by `npm run routes` (`tools/routes.ts`); a test fails when this file is out of date.',
    '',
    'Auth: **user** — a signed-in user: a session cookie (pages redirect to `/login` without one) or an API token',
    '(`Authorization: Bearer`; the JSON API answers 401 without one, and 403 to a read-only token on any method but',
    'GET, HEAD and OPTIONS); **agent** — the in-cluster agent: its enrollment token for `enroll`, its agent key for',
    'the rest; **metrics** — Prometheus, with the bearer token `NIRO_METRICS_TOKEN`; **public** — no credentials.',
    '',
    '| method | path | file | auth |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.method} | \`${r.path}\` | \`${r.file}\` | ${r.auth} |`),
  ];
  return `${lines.join('\n')}\n`;
}

if (import.meta.main) {
  const rows = await listRoutes();
  writeFileSync(ROUTES_FILE, renderRoutes(rows));
  console.log(`ROUTES.md: ${rows.length} routes`);
}
