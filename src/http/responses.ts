// Pieces every domain's response schemas share: timestamps, nullable values, closed word lists, the
// pagination envelope and the error body. Each domain's own shapes live in its `responses.ts`.
import { t, type TSchema } from 'elysia';
import { CloneType, type TArray, type TLiteral, type TObject, type TProperties, type TUnion } from '@sinclair/typebox';
import { ApiError } from '../contract';

/** Every error of the API and of the agent endpoints: `{ "error": { "code", "message" } }`. */
export { ApiError };

/** An instant as `Date.toISOString()` writes it (UTC, milliseconds). */
export const Timestamp = t.String({ format: 'date-time' });

export const Nullable = <T extends TSchema>(schema: T): TUnion<[T, ReturnType<typeof t.Null>]> => t.Union([schema, t.Null()]);

type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };

/** One of a closed list of words (a status, a role…), documented as its values. A tuple type, which Elysia's inference needs. */
export const OneOf = <const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnion<Literals<T>> =>
  t.Union(values.map((v) => t.Literal(v)), options) as TUnion<Literals<T>>;

export const NextCursor = Nullable(t.String({ description: 'Pass as `cursor` for the next page; null on the last page' }));

type PageProperties<K extends string, T extends TSchema, X extends TProperties> = { [P in K]: TArray<T> } & X & { nextCursor: typeof NextCursor };

/** A keyset-paginated list: `{ <key>: [...], ...extra, nextCursor }`. */
export function Page<K extends string, T extends TSchema, X extends TProperties = {}>(key: K, item: T, extra?: X): TObject<PageProperties<K, T, X>> {
  return t.Object({ [key]: t.Array(item), ...extra, nextCursor: NextCursor } as PageProperties<K, T, X>);
}

/** The answer of actions that have nothing else to say. */
export const Ok = t.Object({ ok: t.Literal(true) });
export type Ok = typeof Ok.static;

/**
 * A route's own copy of a schema that is shared beyond it. Elysia closes the top level of a response
 * schema (additionalProperties: false) by writing into the object it is given; the contract's schemas
 * must stay open, because the agent accepts fields a newer server adds.
 */
export const routeCopy = <T extends TSchema>(schema: T): T => CloneType(schema);

/** /healthz and /readyz: `{ ok: true }`, or 503 with why not. */
export const Health = t.Object({ ok: t.Boolean(), reason: t.Optional(t.String({ description: 'Why the replica is not ready (503 only)' })) });
export type Health = typeof Health.static;
