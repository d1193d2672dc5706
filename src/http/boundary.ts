// The one error boundary: every error a handler throws (an HttpError for what the client caused,
// anything else for a bug) leaves the way the client asked for it — JSON under /v1 and for JSON
// clients, a flash fragment for htmx, an error page otherwise. Bodies over the limit are refused here
// too, before anything reads them.
import { Elysia, type AnyElysia } from 'elysia';
import type { Logger } from '../log';
import { ErrorPage, Flash } from '../../views/layout/layout';
import { HttpError, describeValidation, jsonError, type HttpErrorCode } from './errors';

function wantsJson(request: Request): boolean {
  const path = new URL(request.url).pathname;
  if (path.startsWith('/v1/')) return true;
  const accept = request.headers.get('accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** Renders an error the way the client asked for it: JSON, an htmx fragment, or a page. */
export function errorResponse(request: Request, status: number, code: HttpErrorCode, message: string, headers: Record<string, string> = {}): Response {
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

/** The boundary as a plugin: its hooks are global, so they cover every route the app mounts after it. */
export function errorBoundary(deps: { log: Logger; maxBodyBytes: number }): AnyElysia {
  const { log, maxBodyBytes } = deps;
  return new Elysia({ name: 'error-boundary' })
    .onRequest(({ request }) => {
      const len = Number(request.headers.get('content-length') ?? '0');
      if (len > maxBodyBytes) return errorResponse(request, 413, 'payload_too_large', `request body exceeds ${maxBodyBytes} bytes`);
    })
    .onError({ as: 'global' }, ({ code, error, request, set, body }) => {
      const answer = (): Response => {
        if (error instanceof HttpError) return errorResponse(request, error.status, error.code, error.message, error.headers);
        switch (code) {
          case 'VALIDATION':
            if (error.type === 'response') {
              // An answer that breaks its own response schema is our bug, not the client's. Logged by field
              // only: the values may be secrets shown once (a new API token, an agent key).
              log.error('response does not match its schema', { path: new URL(request.url).pathname, fields: error.all.map((e) => `${e.path}: ${e.message}`) });
              return errorResponse(request, 500, 'internal', 'internal error; it has been logged');
            }
            return errorResponse(request, 400, 'invalid_request', describeValidation(error, request, body));
          case 'PARSE':
            // A parse hook's own verdict (JSON too deep, …) travels as the cause.
            if (error.cause instanceof HttpError) return errorResponse(request, error.cause.status, error.cause.code, error.cause.message);
            return errorResponse(request, 400, 'malformed_body', 'body: could not be parsed (malformed JSON or form data)');
          case 'NOT_FOUND':
            return errorResponse(request, 404, 'not_found', 'no such page or endpoint');
          case 'INVALID_COOKIE_SIGNATURE':
            return errorResponse(request, 400, 'bad_cookie', 'invalid cookie');
        }
        const status = (error as { status?: number }).status;
        if (status === 413) return errorResponse(request, 413, 'payload_too_large', 'request body too large');
        log.error('unhandled error', { path: new URL(request.url).pathname, error: String((error as Error)?.stack ?? error) });
        return errorResponse(request, 500, 'internal', 'internal error; it has been logged');
      };
      const res = answer();
      // What the access log records: on the way here Elysia may have set another status (422 for a value
      // it could not decode) that this answer replaced.
      set.status = res.status;
      return res;
    });
}
