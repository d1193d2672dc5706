/**
 * The one error boundary. Handlers throw `HttpError` for outcomes a client caused (404, 403...);
 * anything else is a bug and reaches the client only as a generic 500.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what = 'resource'): HttpError => new HttpError(404, 'not_found', `${what} not found`);
export const forbidden = (message = 'you do not have permission to do this'): HttpError => new HttpError(403, 'forbidden', message);
export const unauthorized = (message = 'authentication required'): HttpError => new HttpError(401, 'unauthorized', message);
export const badRequest = (message: string, code = 'bad_request'): HttpError => new HttpError(400, code, message);

export type ErrorBody = { error: { code: string; message: string } };

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

export function jsonError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(errorBody(code, message)), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/**
 * Turns an Elysia validation error into "field: problem". Query parameters are validated one by
 * one and their errors lose the key, so the key is found again by the rejected value.
 */
export function describeValidation(err: unknown, request?: Request): string {
  const e = err as { type?: string; value?: unknown; valueError?: { path?: string; message?: string }; all?: { path?: string; message?: string }[] };
  const first = e.valueError ?? e.all?.[0];
  if (!first) return `invalid ${e.type ?? 'request'}`;
  let field = (first.path ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (!field && request && (e.type === 'property' || e.type === 'query')) {
    for (const [k, v] of new URL(request.url).searchParams) if (v === String(e.value)) field = k;
  }
  return `${field || e.type || 'body'}: ${first.message ?? 'invalid value'}`;
}
