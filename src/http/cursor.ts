// Opaque keyset cursors: the sort key of the last row of a page, base64url JSON. Opaque so clients
// don't build them; decoded strictly so a tampered cursor is a 400, never a 500.
import { t } from 'elysia';
import { badRequest } from './errors';
import { textProblem } from './input';
import { isUuid } from '../db/client';

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * What each element of a cursor's key must be, so a tampered one fails here and never in a query:
 * `text` any storable string, `int` a safe integer, `uuid` an id column's value, `time` an ISO instant
 * as `Date.toISOString` writes it (decoded to a Date).
 */
export type CursorPart = 'text' | 'int' | 'uuid' | 'time';
type PartValue<P extends CursorPart> = P extends 'int' ? number : P extends 'time' ? Date : string;
export type CursorKey<S extends readonly CursorPart[]> = { -readonly [K in keyof S]: PartValue<S[K]> };

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

function decodePart(part: CursorPart, v: unknown): string | number | Date | undefined {
  switch (part) {
    case 'int':
      return Number.isSafeInteger(v) ? (v as number) : undefined;
    case 'text':
      return typeof v === 'string' && v.length <= 1024 && textProblem(v) === null ? v : undefined;
    case 'uuid':
      return typeof v === 'string' && isUuid(v) ? v : undefined;
    case 'time': {
      if (typeof v !== 'string' || !ISO_INSTANT.test(v)) return undefined;
      const at = new Date(v);
      return Number.isNaN(at.getTime()) ? undefined : at;
    }
  }
}

/** The key of `cursor`, each element checked against `shape`; a 400 naming the cursor when anything is off. */
export function decodeCursor<const S extends readonly CursorPart[]>(cursor: string, shape: S): CursorKey<S> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('cursor: malformed');
  }
  if (!Array.isArray(key) || key.length !== shape.length) throw badRequest('cursor: malformed');
  const out = shape.map((part, i) => decodePart(part, key[i]));
  if (out.some((v) => v === undefined)) throw badRequest('cursor: malformed');
  return out as CursorKey<S>;
}

/** The `limit` query parameter of a paginated list. */
export const PageLimit = (max: number) => t.Optional(t.Integer({ minimum: 1, maximum: max, description: `Page size, 1–${max}` }));
/** The `cursor` query parameter of a paginated list. */
export const PageCursor = t.Optional(t.String({ maxLength: 2048, description: 'nextCursor of the previous page' }));
