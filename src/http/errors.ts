import type { ErrorCode } from './error-codes';

/** A code of the one vocabulary (error-codes.ts), or the sign-in redirect pages answer (never a JSON body). */
export type HttpErrorCode = ErrorCode | 'login_required';

/**
 * The one error boundary. Handlers throw `HttpError` for outcomes a client caused (404, 403...);
 * anything else is a bug and reaches the client only as a generic 500.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what = 'resource'): HttpError => new HttpError(404, 'not_found', `${what} not found`);
export const forbidden = (message = 'you do not have permission to do this'): HttpError => new HttpError(403, 'forbidden', message);
export const unauthorized = (message = 'authentication required'): HttpError => new HttpError(401, 'unauthorized', message);
/** A value the client sent is invalid: the message starts with the field ("name: must not be empty"). */
export const badRequest = (message: string): HttpError => new HttpError(400, 'invalid_request', message);

export type ErrorBody = { error: { code: HttpErrorCode; message: string } };

export function errorBody(code: HttpErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

export function jsonError(status: number, code: HttpErrorCode, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(errorBody(code, message)), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

type SchemaLike = { const?: unknown; type?: string | string[]; anyOf?: SchemaLike[]; items?: SchemaLike };

/** A schema in words, for "must be one of …": a literal as itself, anything else by its type. */
function describeSchema(s: SchemaLike): string {
  if (s.const !== undefined) return typeof s.const === 'string' ? s.const : JSON.stringify(s.const);
  if (s.type === 'null') return 'null';
  if (s.type === 'array') return `a list${s.items ? ` of ${describeSchema(s.items).replace(/^an? /, '')}s` : ''}`;
  if (s.type === 'integer') return 'an integer';
  if (typeof s.type === 'string') return `a ${s.type}`;
  return 'a value';
}

/**
 * What a union accepts, in words: "must be one of name, restarts, age" for a closed list of words (where
 * TypeBox only says "Expected union value"); null when the schema is not a union.
 */
export function describeUnion(schema: unknown): string | null {
  const anyOf = (schema as SchemaLike | undefined)?.anyOf;
  if (!Array.isArray(anyOf) || anyOf.length === 0) return null;
  return `must be one of ${anyOf.map(describeSchema).join(', ')}`;
}

/** The rejected value, short enough to echo back. */
function echo(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return '';
  return ` (got ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)})`;
}

/**
 * Turns an Elysia validation error into "field: problem". Query parameters are validated one by
 * one and their errors lose the key, so the key is found again by the rejected value. A union names
 * the values it accepts.
 */
export function describeValidation(err: unknown, request?: Request): string {
  type ValueError = { path?: string; message?: string; schema?: unknown; value?: unknown };
  const e = err as { type?: string; value?: unknown; valueError?: ValueError; all?: ValueError[] };
  const first = e.valueError ?? e.all?.[0];
  if (!first) return `invalid ${e.type ?? 'request'}`;
  let field = (first.path ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (!field && request && (e.type === 'property' || e.type === 'query')) {
    for (const [k, v] of new URL(request.url).searchParams) if (v === String(e.value)) field = k;
  }
  const union = describeUnion(first.schema);
  const problem = union ? `${union}${echo(first.value)}` : (first.message ?? 'invalid value');
  return `${field || e.type || 'body'}: ${problem}`;
}
