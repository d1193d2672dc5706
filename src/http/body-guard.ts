// Who may make the server read a large body. Elysia parses a body before any handler runs, so a
// route's own `requireCaller` comes too late: 16 anonymous 15 MiB posts would be read and parsed
// (gigabytes) only to be answered 401. This hook runs first, on the declared size: up to
// ANONYMOUS_BODY_BYTES anyone may send (login forms, agent enrollment); beyond that, or with no
// declared size (chunked), the caller must first prove who it is.
import { Elysia, type AnyElysia } from 'elysia';
import type { AppDeps } from '../deps';
import { AGENT_KEY_HEADER } from '../contract';
import { knownAgentKey, requireAgent } from '../agents/auth';
import { resolveCaller, sessionCookieOf, SESSION_COOKIE } from './caller';
import { errorResponse } from './boundary';
import { HttpError } from './errors';
import { WEBHOOK_PATH_PREFIX } from '../gitops/paths';

/** The largest body read from a caller that has not authenticated (a login form is < 1 KiB, an enrollment a few). */
export const ANONYMOUS_BODY_BYTES = 64 * 1024;

/** Everything the agent calls lives here (src/contract AGENT_PATHS). */
const AGENT_PATH_PREFIX = '/v1/agent/';

/** The body size the request declares: its Content-Length; null when it streams one of unknown size; 0 when it has none. */
function declaredBodyBytes(request: Request): number | null {
  const length = request.headers.get('content-length');
  if (length !== null) return Number(length);
  return request.headers.get('transfer-encoding') ? null : 0;
}

/**
 * Whether the request carries credentials this path takes and they are valid: an agent key under
 * /v1/agent/ (the agent's endpoints take nothing else), a session or API token elsewhere. Invalid
 * credentials throw the 401 the route itself would give (a deleted cluster's agent learns it here).
 */
async function isAuthenticated(deps: Pick<AppDeps, 'db' | 'agentKeys'>, request: Request): Promise<boolean> {
  if (new URL(request.url).pathname.startsWith(AGENT_PATH_PREFIX)) {
    if (!request.headers.get(AGENT_KEY_HEADER)) return false;
    // A key this replica found before passes without waiting for its row to be read again: every agent
    // route checks the key itself (requireAgent) before it reads a byte (they take no parsed body).
    if (knownAgentKey(deps.agentKeys, request)) return true;
    await requireAgent(deps.db, deps.agentKeys, request);
    return true;
  }
  const caller = await resolveCaller(deps.db, { request, cookie: { [SESSION_COOKIE]: { value: sessionCookieOf(request) } } });
  return caller !== null;
}

/** The guard as a plugin: request hooks are global, so it covers every route mounted after it. */
export function bodyGuard(deps: Pick<AppDeps, 'db' | 'agentKeys'>): AnyElysia {
  return new Elysia({ name: 'body-guard' }).onRequest(async ({ request }) => {
    const declared = declaredBodyBytes(request);
    if (declared !== null && declared <= ANONYMOUS_BODY_BYTES) return;
    // Git servers sign instead of signing in; the webhook route reads the body itself, up to its own bound.
    if (new URL(request.url).pathname.startsWith(WEBHOOK_PATH_PREFIX)) return;
    try {
      if (await isAuthenticated(deps, request)) return;
    } catch (e) {
      if (e instanceof HttpError) return errorResponse(deps.db, request, e.status, e.code, e.message, e.headers);
      throw e;
    }
    const size = declared === null ? 'a body of undeclared size' : `a body of ${declared} bytes`;
    // The body stays unread: closing the connection spares reading it only to throw it away.
    return errorResponse(
      deps.db,
      request,
      413,
      'payload_too_large',
      `${size} is accepted only from a signed-in caller (session, API token or agent key); without one, bodies are limited to ${ANONYMOUS_BODY_BYTES} bytes`,
      { connection: 'close' },
    );
  });
}
