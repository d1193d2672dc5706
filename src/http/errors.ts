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
/**
 * A value the client sent is invalid (the message starts with the field: "name: must not be empty"), or
 * the body could not be parsed at all (`malformed_body`).
 */
export const badRequest = (message: string, code: 'invalid_request' | 'malformed_body' = 'invalid_request'): HttpError => new HttpError(400, code, message);

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

type SchemaLike = {
  anyOf?: SchemaLike[];
  const?: unknown;
  type?: string | string[];
  items?: SchemaLike;
  format?: string;
  minimum?: number;
  maximum?: number;
};
type ValueErrorLike = { path?: string; message?: string; schema?: SchemaLike; value?: unknown };

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

function rangeOf(s: SchemaLike): string {
  if (s.minimum !== undefined && s.maximum !== undefined) return ` from ${s.minimum} to ${s.maximum}`;
  if (s.minimum !== undefined) return ` of at least ${s.minimum}`;
  if (s.maximum !== undefined) return ` of at most ${s.maximum}`;
  return '';
}

/**
 * The problem in words: TypeBox says only "Expected union value" for a number read from a string (said
 * as a whole number with its range) and for a word list (said as the values it takes, and the one it got).
 */
function problemOf(e: ValueErrorLike): string {
  const options = e.schema?.anyOf;
  if (options?.length) {
    const integer = options.find((o) => o.type === 'integer');
    if (integer && options.some((o) => o.type === 'string' && o.format === 'integer'))
      return `expected a whole number${rangeOf(integer)}, in plain decimal digits`;
    return `${describeUnion(e.schema)}${echo(e.value)}`;
  }
  return e.message ?? 'invalid value';
}

/**
 * Where the client sent `value`: a query parameter, else a field of the body. Elysia reports a number
 * it decoded from a string (`?limit=1000`) without the key, so the key is found again by the value
 * (strict number formats make the text of a decoded number canonical: `1000`, never `1e3`).
 */
function fieldHolding(value: unknown, request?: Request, body?: unknown): string | null {
  const text = String(value);
  if (request) for (const [k, v] of new URL(request.url).searchParams) if (v === text) return k;
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: body, path: '', depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if ((typeof v === 'string' || typeof v === 'number') && String(v) === text && path) return path;
    if (v && typeof v === 'object' && depth < 8)
      for (const [k, child] of Object.entries(v)) stack.push({ v: child, path: path ? `${path}.${k}` : k, depth: depth + 1 });
  }
  return null;
}

/** Turns an Elysia validation error into "field: problem", the field named as the client sent it. */
export function describeValidation(err: unknown, request?: Request, body?: unknown): string {
  const e = err as { type?: string; value?: unknown; valueError?: ValueErrorLike; all?: ValueErrorLike[] };
  const first = e.valueError ?? e.all?.[0];
  if (!first) return `${e.type ?? 'request'}: invalid`;
  // A body that did not arrive as JSON (text/plain, a bare string) is checked as a string, and its errors name
  // character positions ("0: Unexpected property") the client never sent: say what the body should be.
  if ((e.type === 'body' || e.type === 'property') && [e.value, body].some((v) => typeof v === 'string' || Array.isArray(v)))
    return 'body: must be a JSON object (Content-Type: application/json)';
  let field = (first.path ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (!field && e.type === 'property') field = fieldHolding(e.value, request, body) ?? '';
  return `${field || (e.type === 'body' || e.type === 'property' ? 'body' : e.type) || 'body'}: ${problemOf(first)}`;
}
