// The one error boundary: every error a handler throws (an HttpError for what the client caused,
// anything else for a bug) leaves the way the client asked for it — JSON under /v1 and for JSON
// clients, a flash fragment for htmx, an error page otherwise. Bodies over the limit are refused here
// too, before anything reads them.
import { Elysia, type AnyElysia } from 'elysia';
import type { Logger } from '../log';
import { ErrorPage, Flash, type ShellViewer } from '../../views/layout/layout';
import type { Db } from '../db/client';
import { isDatabaseUnavailable } from '../db/errors';
import { HttpError, describeValidation, jsonError, type HttpErrorCode } from './errors';
import { SESSION_COOKIE, resolveCaller, sessionCookieOf } from './caller';
import { shellViewer } from './page';

/** What a request refused while the database is unreachable is told to wait: a restart or failover takes seconds. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

function wantsJson(request: Request): boolean {
  const path = new URL(request.url).pathname;
  if (path.startsWith('/v1/')) return true;
  const accept = request.headers.get('accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/**
 * Whom an error page is drawn for: the signed-in user (the page keeps their menu and org switcher), or
 * nobody. Only for the client's own mistakes: a 5xx may come from the database, which is not asked again.
 */
async function errorViewer(db: Db, request: Request, status: number): Promise<ShellViewer | null> {
  const value = sessionCookieOf(request);
  if (!value || status >= 500) return null;
  try {
    const caller = await resolveCaller(db, { request, cookie: { [SESSION_COOKIE]: { value } } });
    return caller?.via === 'session' ? shellViewer(caller) : null;
  } catch {
    return null;
  }
}

/** Renders an error the way the client asked for it: JSON, an htmx fragment, or a page in the shell. */
export async function errorResponse(
  db: Db,
  request: Request,
  status: number,
  code: HttpErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Promise<Response> {
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
  const page = await ErrorPage({ status, message, viewer: await errorViewer(db, request, status) });
  return new Response(String(page), { status, headers: htmlHeaders });
}

/** The boundary as a plugin: its hooks are global, so they cover every route the app mounts after it. */
export function errorBoundary(deps: { log: Logger; maxBodyBytes: number; db: Db }): AnyElysia {
  const { log, maxBodyBytes, db } = deps;
  return new Elysia({ name: 'error-boundary' })
    .onRequest(({ request }) => {
      const len = Number(request.headers.get('content-length') ?? '0');
      if (len > maxBodyBytes) return errorResponse(db, request, 413, 'payload_too_large', `request body exceeds ${maxBodyBytes} bytes`);
    })
    .onError({ as: 'global' }, async ({ code, error, request, set, body }) => {
      const answer = (): Promise<Response> => {
        if (error instanceof HttpError) return errorResponse(db, request, error.status, error.code, error.message, error.headers);
        switch (code) {
          case 'VALIDATION':
            if (error.type === 'response') {
              // An answer that breaks its own response schema is our bug, not the client's. Logged by field
              // only: the values may be secrets shown once (a new API token, an agent key).
              log.error('response does not match its schema', { path: new URL(request.url).pathname, fields: error.all.map((e) => `${e.path}: ${e.message}`) });
              return errorResponse(db, request, 500, 'internal', 'internal error; it has been logged');
            }
            return errorResponse(db, request, 400, 'invalid_request', describeValidation(error, request, body));
          case 'PARSE':
            // A parse hook's own verdict (JSON too deep, …) travels as the cause.
            if (error.cause instanceof HttpError) return errorResponse(db, request, error.cause.status, error.cause.code, error.cause.message);
            return errorResponse(db, request, 400, 'malformed_body', 'body: could not be parsed (malformed JSON or form data)');
          case 'NOT_FOUND':
            return errorResponse(db, request, 404, 'not_found', 'no such page or endpoint');
          case 'INVALID_COOKIE_SIGNATURE':
            return errorResponse(db, request, 400, 'bad_cookie', 'invalid cookie');
        }
        const status = (error as { status?: number }).status;
        if (isDatabaseUnavailable(error)) {
          // The database is down or restarting: not a bug, and the same request will work once it is back.
          log.warn('database unavailable', { path: new URL(request.url).pathname, error: String((error as Error)?.message ?? error) });
          return errorResponse(db, request, 503, 'database_unavailable', 'the database is unreachable; retry after the Retry-After header', {
            'retry-after': String(DATABASE_RETRY_AFTER_SECONDS),
          });
        }
        if (status === 413) return errorResponse(db, request, 413, 'payload_too_large', 'request body too large');
        log.error('unhandled error', { path: new URL(request.url).pathname, error: String((error as Error)?.stack ?? error) });
        return errorResponse(db, request, 500, 'internal', 'internal error; it has been logged');
      };
      const res = await answer();
      // What the access log records: on the way here Elysia may have set another status (422 for a value
      // it could not decode) that this answer replaced.
      set.status = res.status;
      return res;
    });
}
