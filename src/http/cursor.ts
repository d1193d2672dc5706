// Opaque keyset cursors: the sort key of the last row of a page, base64url JSON. Opaque so clients
// don't build them; decoded strictly so a tampered cursor is a 400, never a 500.
import { t } from 'elysia';
import { badRequest } from './errors';

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The key, checked against the expected element types ('s' string, 'n' safe integer); 400 when malformed. */
export function decodeCursor(cursor: string, shape: readonly ('s' | 'n')[]): (string | number)[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('cursor: malformed');
  }
  const ok =
    Array.isArray(key) &&
    key.length === shape.length &&
    key.every((v, i) => (shape[i] === 's' ? typeof v === 'string' && v.length <= 1024 : Number.isSafeInteger(v)));
  if (!ok) throw badRequest('cursor: malformed');
  return key as (string | number)[];
}

/** The `limit` query parameter of a paginated list. */
export const PageLimit = (max: number) => t.Optional(t.Integer({ minimum: 1, maximum: max, description: `Page size, 1–${max}` }));
/** The `cursor` query parameter of a paginated list. */
export const PageCursor = t.Optional(t.String({ maxLength: 2048, description: 'nextCursor of the previous page' }));
