import { Elysia, type AnyElysia } from 'elysia';
import { html } from '@elysiajs/html';
import type { Config } from './config';
import type { Db } from './db/client';
import type { Bus } from './db/bus';
import type { Logger } from './log';
import { HttpError, describeValidation, jsonError } from './http/errors';
import { assetRoutes } from './http/assets';
import { securityHeadersPlugin } from './http/headers';
import { ErrorPage, Flash } from '../views/layout/layout';
import { healthRoutes } from './http/health';
import { openapiRoutes } from './http/openapi';
import { accountsPages } from './accounts/pages';
import { accountsApi } from './accounts/api';
import { orgsPages } from './orgs/pages';
import { orgsApi } from './orgs/api';
import { auditPages } from './audit/pages';
import { auditApi } from './audit/api';
import { clustersApi } from './clusters/api';
import { agentApi } from './clusters/agent-api';
import { clustersPages } from './clusters/pages';
import { incidentsApi } from './incidents/api';
import { incidentsPages } from './incidents/pages';
import { deploymentsPages } from './deployments/pages';
import { commandsApi } from './commands/api';
import { commandsAgentApi } from './commands/agent-api';
import { commandsPages } from './commands/pages';
import { installScriptRoutes } from './http/install-script';
import { streamsApi } from './streams/api';
import { tailsApi } from './streams/tail-api';
import { agentStreamSocket, AGENT_WEBSOCKET_OPTIONS } from './streams/agent-socket';
import { streamsPages } from './streams/pages';
import { podsApi } from './pods/api';
import { podsPages } from './pods/pages';

export type AppDeps = {
  db: Db;
  bus: Bus;
  config: Config;
  log: Logger;
  /** True once migrations have been applied (readiness). */
  isReady?: () => boolean;
};

function wantsJson(request: Request): boolean {
  const path = new URL(request.url).pathname;
  if (path.startsWith('/v1/')) return true;
  const accept = request.headers.get('accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** Renders an error the way the client asked for it: JSON, an htmx fragment, or a page. */
export function errorResponse(request: Request, status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  if (status >= 300 && status < 400 && headers.location) {
    if (request.headers.get('hx-request') === 'true') return new Response(null, { status: 200, headers: { 'hx-redirect': headers.location } });
    return new Response(null, { status, headers });
  }
  if (wantsJson(request)) return jsonError(status, code, message, headers);
  const htmlHeaders = { 'content-type': 'text/html; charset=utf-8', ...headers };
  if (request.headers.get('hx-request') === 'true') {
    // Show the message in the page's flash area instead of swapping it into the target.
    return new Response(String(Flash({ kind: 'error', text: message })), {
      status,
      headers: { ...htmlHeaders, 'hx-retarget': '#flash', 'hx-reswap': 'innerHTML' },
    });
  }
  return new Response(String(ErrorPage({ status, message })), { status, headers: htmlHeaders });
}

export function createApp(deps: AppDeps): AnyElysia {
  const started = new WeakMap<Request, number>();
  // normalize: false — unknown body fields are rejected (400 naming them), never silently dropped.
  const app: AnyElysia = new Elysia({ name: 'niro', normalize: false, websocket: AGENT_WEBSOCKET_OPTIONS })
    .use(html({ autoDetect: true }))
    .use(securityHeadersPlugin(deps.config.publicUrl))
    .onRequest(({ request }) => {
      started.set(request, performance.now());
      const len = Number(request.headers.get('content-length') ?? '0');
      if (len > deps.config.maxBodyBytes) return errorResponse(request, 413, 'payload_too_large', `request body exceeds ${deps.config.maxBodyBytes} bytes`);
    })
    .onError({ as: 'global' }, ({ code, error, request }) => {
      if (error instanceof HttpError) return errorResponse(request, error.status, error.code, error.message, error.headers);
      switch (code) {
        case 'VALIDATION':
          return errorResponse(request, 400, 'invalid_request', describeValidation(error, request));
        case 'PARSE':
          return errorResponse(request, 400, 'malformed_body', 'request body could not be parsed (malformed JSON or form data)');
        case 'NOT_FOUND':
          return errorResponse(request, 404, 'not_found', 'no such page or endpoint');
        case 'INVALID_COOKIE_SIGNATURE':
          return errorResponse(request, 400, 'bad_cookie', 'invalid cookie');
      }
      const status = (error as { status?: number }).status;
      if (status === 413) return errorResponse(request, 413, 'payload_too_large', 'request body too large');
      deps.log.error('unhandled error', { path: new URL(request.url).pathname, error: String((error as Error)?.stack ?? error) });
      return errorResponse(request, 500, 'internal', 'internal error; it has been logged');
    })
    .onAfterResponse({ as: 'global' }, ({ request, set }) => {
      const t0 = started.get(request);
      const url = new URL(request.url);
      if (url.pathname.startsWith('/assets/')) return;
      // Agents beat every 15 s and probes poll: their successful requests would drown everything
      // else, so they are logged at debug; refusals and everyone else's requests at info.
      const status = typeof set.status === 'number' ? set.status : 200;
      const routine = status < 400 && (url.pathname.startsWith('/v1/agent/') || url.pathname === '/healthz' || url.pathname === '/readyz');
      // Path only: query strings may carry search terms users consider private.
      (routine ? deps.log.debug : deps.log.info)('request', { method: request.method, path: url.pathname, status: set.status, ms: t0 ? Math.round(performance.now() - t0) : undefined });
    })
    .use(assetRoutes())
    .use(healthRoutes(deps))
    .use(accountsPages(deps))
    .use(accountsApi(deps))
    .use(orgsPages(deps))
    .use(orgsApi(deps))
    .use(auditPages(deps))
    .use(auditApi(deps))
    .use(clustersApi(deps))
    .use(agentApi(deps))
    .use(clustersPages(deps))
    .use(incidentsPages(deps))
    .use(incidentsApi(deps))
    .use(deploymentsPages(deps))
    .use(commandsApi(deps))
    .use(commandsAgentApi(deps))
    .use(commandsPages(deps))
    .use(streamsApi(deps))
    .use(tailsApi(deps))
    .use(agentStreamSocket(deps))
    .use(streamsPages(deps))
    .use(podsApi(deps))
    .use(podsPages(deps))
    .use(installScriptRoutes(deps.config))
    .use(openapiRoutes((): AnyElysia => app));
  return app;
}

export type App = AnyElysia;
