// Input every route can rely on, checked once for all of them before any validation or handler runs:
// a JSON body is an object no deeper than MAX_JSON_DEPTH (checked on the text, before it is parsed), text
// Postgres can store — no NUL, no lone UTF-16 surrogate — in every path parameter, query parameter and body
// field, and numbers read from strings in plain decimal. A request that breaks any of it is refused naming
// the field (400; 415 for a body that is neither JSON nor a form), so no handler (and no write) sees it.
import { Elysia, type AnyElysia } from 'elysia';
import { FormatRegistry } from '@sinclair/typebox';
import { AGENT_PATHS } from '../contract';
import { WEBHOOK_PATH_PREFIX } from '../gitops/paths';
import { HttpError, badRequest } from './errors';

/** Deepest nesting of arrays and objects a JSON body may have (the deepest real body, a manifest, is ~15). */
export const MAX_JSON_DEPTH = 64;

/**
 * Endpoints under these prefixes read their own bodies: the agent's (gzip, their own size limits; see `body.ts`) and
 * Git webhooks (their signature covers the raw bytes).
 */
const SELF_READING_PREFIXES = [AGENT_PATHS.enroll.slice(0, AGENT_PATHS.enroll.lastIndexOf('/') + 1), WEBHOOK_PATH_PREFIX];

/**
 * Whether `text`, read as JSON, nests arrays/objects deeper than `max`: one pass over the characters,
 * brackets inside strings ignored. JSON.parse itself copes with any depth, but 16 MiB of `[` would
 * become eight million arrays (~1 GB) and break every recursive reader after it.
 */
export function jsonTooDeep(text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

/** What is wrong with a string as stored text, or null when Postgres can store it. */
export function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL (\\u0000) characters';
  if (!s.isWellFormed()) return 'must be valid Unicode text (it has a lone UTF-16 surrogate)';
  return null;
}

export type UnstorableText = { field: string; problem: string };

/**
 * The first string (or object key) in `value` that Postgres could not store, named by its path from
 * `prefix` (`items.0.name`). Walks with an explicit stack, so no input can overflow the call stack;
 * nothing deeper than `maxDepth` is looked at (bodies deeper than that were refused before parsing).
 */
export function findUnstorableText(value: unknown, prefix = '', maxDepth = MAX_JSON_DEPTH + 1): UnstorableText | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: prefix, depth: 0 }];
  while (stack.length) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      const problem = textProblem(item.value);
      if (problem) return { field: item.path || 'body', problem };
      continue;
    }
    if (item.value === null || typeof item.value !== 'object' || item.depth >= maxDepth) continue;
    // Files (multipart) and buffers hold bytes, not text.
    if (item.value instanceof Blob || ArrayBuffer.isView(item.value) || item.value instanceof ArrayBuffer) continue;
    const entries = Array.isArray(item.value) ? item.value.map((v, i) => [String(i), v] as const) : Object.entries(item.value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, v] = entries[i];
      const path = item.path ? `${item.path}.${key}` : key;
      const keyProblem = textProblem(key);
      // The key itself is the trouble: named as sent, escaped.
      if (keyProblem) return { field: item.path ? `${item.path}.${JSON.stringify(key)}` : JSON.stringify(key), problem: keyProblem };
      stack.push({ value: v, path, depth: item.depth + 1 });
    }
  }
  return null;
}

/** Integers as clients write them in URLs and forms: plain decimal, no sign games, at most 15 digits (always exact). */
const DECIMAL_INTEGER = /^(0|-?[1-9][0-9]{0,14})$/;
const DECIMAL_NUMBER = /^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,15})?$/;

/**
 * Elysia reads a number from a query string, path or form through TypeBox's `integer` and `numeric`
 * string formats, whose stock checks take anything `Number()` takes: `0x10`, ` 6e1 `, `1e3`. These
 * replace them (the registry is TypeBox's process-wide one; setting it again is harmless).
 */
export function useStrictNumberFormats(): void {
  FormatRegistry.Set('integer', (v) => DECIMAL_INTEGER.test(v));
  FormatRegistry.Set('numeric', (v) => DECIMAL_NUMBER.test(v));
}

/** Throws a 400 naming the first unstorable string among a request's decoded inputs. */
function checkText(inputs: { params?: Record<string, unknown>; query?: unknown; body?: unknown }): void {
  // Elysia hands over a path segment whose %-escapes are not UTF-8 (`%FF`, a lone surrogate's bytes) as null.
  for (const [key, value] of Object.entries(inputs.params ?? {})) {
    if (value === null) throw badRequest(`${key}: not valid UTF-8 once its %-escapes are decoded`);
  }
  const found = findUnstorableText(inputs.params) ?? findUnstorableText(inputs.query) ?? findUnstorableText(inputs.body);
  if (found) throw badRequest(`${found.field}: ${found.problem}`);
}

/**
 * The checks as a plugin; mount it before every route. JSON bodies are parsed here (after the depth
 * check), other bodies by Elysia as usual; a parse hook that throws reaches the boundary as a PARSE
 * error whose cause is the HttpError thrown here.
 */
export function inputGuard(): AnyElysia {
  useStrictNumberFormats();
  return new Elysia({ name: 'input-guard' })
    .onParse({ as: 'global' }, async ({ request, contentType }) => {
      // null, not undefined: undefined would let Elysia's own parser consume the body these handlers read.
      const path = new URL(request.url).pathname;
      if (SELF_READING_PREFIXES.some((prefix) => path.startsWith(prefix))) return null;
      if (contentType !== 'application/json') return undefined;
      const text = await request.text();
      if (text === '') return undefined;
      if (jsonTooDeep(text)) throw badRequest(`body: nested deeper than ${MAX_JSON_DEPTH} levels`, 'malformed_body');
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw badRequest(`body: not valid JSON (${(e as Error).message.slice(0, 200)})`, 'malformed_body');
      }
      // Every JSON body the API takes is an object; Elysia would spread a string or array into one
      // (`"x"` → `{"0":"x"}`) and blame its characters.
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('body: expected a JSON object', 'malformed_body');
      return value;
    })
    .onTransform({ as: 'global' }, ({ params, query, body }) => {
      // Text or bytes (text/plain, application/octet-stream) where every route takes JSON or a form: Elysia
      // would spread a string into an object ("x" → {"0":"x"}) and blame its characters.
      if ((typeof body === 'string' && body !== '') || (body instanceof ArrayBuffer && body.byteLength > 0))
        throw new HttpError(415, 'unsupported_media_type', 'body: send JSON (Content-Type: application/json) or a form');
      checkText({ params, query, body });
    });
}
