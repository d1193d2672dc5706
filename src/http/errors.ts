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

type SchemaLike = { anyOf?: SchemaLike[]; const?: unknown; type?: string; format?: string; minimum?: number; maximum?: number };
type ValueErrorLike = { path?: string; message?: string; schema?: SchemaLike };

function rangeOf(s: SchemaLike): string {
  if (s.minimum !== undefined && s.maximum !== undefined) return ` from ${s.minimum} to ${s.maximum}`;
  if (s.minimum !== undefined) return ` of at least ${s.minimum}`;
  if (s.maximum !== undefined) return ` of at most ${s.maximum}`;
  return '';
}

/** The problem in words: TypeBox says only "Expected union value" for a word list or a number read from a string. */
function problemOf(e: ValueErrorLike): string {
  const options = e.schema?.anyOf;
  if (options?.length) {
    if (options.every((o) => o.const !== undefined)) return `expected one of: ${options.map((o) => String(o.const)).join(', ')}`;
    const integer = options.find((o) => o.type === 'integer');
    if (integer && options.some((o) => o.type === 'string' && o.format === 'integer'))
      return `expected a whole number${rangeOf(integer)}, in plain decimal digits`;
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
  if ((e.type === 'body' || e.type === 'property') && [e.value, body].some((v) => typeof v === 'string' || Array.isArray(v))) return 'body: must be a JSON object (Content-Type: application/json)';
  let field = (first.path ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (!field && e.type === 'property') field = fieldHolding(e.value, request, body) ?? '';
  return `${field || (e.type === 'body' || e.type === 'property' ? 'body' : e.type) || 'body'}: ${problemOf(first)}`;
}
