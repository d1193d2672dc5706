// Response helpers shared by the handlers: JSON bodies (prebuilt strings pass through), Status errors.
import { type ApiError, statusBody } from './status.ts';

export function respondJson(body: object | string, code = 200, contentType = 'application/json'): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status: code,
    headers: { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private' },
  });
}

export function respondError(error: ApiError): Response {
  return respondJson(statusBody(error), error.code);
}

export function flag(url: URL, name: string): boolean {
  const value = url.searchParams.get(name);
  return value === 'true' || value === '1';
}

/** An integer query parameter; null when absent, NaN when present but not an integer. */
export function intParam(url: URL, name: string): number | null {
  const value = url.searchParams.get(name);
  if (value === null || value === '') return null;
  return /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
}
