// Pieces every domain's response schemas share: exact objects, integers, timestamps, nullable values,
// closed word lists, the pagination envelope and the error body. Each domain's own shapes live in its
// `responses.ts`.
import { t, type TSchema } from 'elysia';
import {
  CloneType,
  Type,
  type IntegerOptions,
  type ObjectOptions,
  type TArray,
  type TInteger,
  type TLiteral,
  type TNull,
  type TObject,
  type TProperties,
  type TUnion,
} from '@sinclair/typebox';
import { ApiError } from '../contract';
import { ERROR_CODES, ERROR_CODE_LIST } from './error-codes';

/** Every error of the API and of the agent endpoints: `{ "error": { "code", "message" } }` (the agent's view: any code). */
export { ApiError };

/**
 * An object with exactly these fields. Elysia closes the top level of every response schema anyway (and
 * does it by writing into the schema when the route first runs); declaring every level closed keeps the
 * document the same before and after, and makes a field sent but not documented fail the tests.
 * Shapes that come from the agent (the contract's) stay open: a newer agent may add fields.
 */
export const Exact = <T extends TProperties>(properties: T, options: ObjectOptions = {}): TObject<T> =>
  t.Object(properties, { ...options, additionalProperties: false });

/** An integer as sent. (Elysia's `t.Integer` also accepts numeric strings: it is meant for query parameters.) */
export const Integer = (options: IntegerOptions = {}): TInteger => Type.Integer(options);

/** A count, size or quantity: an integer ≥ 0. */
export const Count = (options: IntegerOptions = {}): TInteger => Type.Integer({ minimum: 0, ...options });

/** An instant as `Date.toISOString()` writes it (UTC, milliseconds). */
export const Timestamp = t.String({ format: 'date-time' });

export const Nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}): TUnion<[T, TNull]> => t.Union([schema, t.Null()], options);

type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };

/** One of a closed list of words (a status, a role…), documented as its values. A tuple type, which Elysia's inference needs. */
export const OneOf = <const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnion<Literals<T>> =>
  t.Union(
    values.map((v) => t.Literal(v)),
    options,
  ) as TUnion<Literals<T>>;

/** One of the words, or null. Not `Nullable(OneOf(…))`: the OpenAPI generator turns that into an enum that leaves null out. */
export const OneOfOrNull = <const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnion<[...Literals<T>, TNull]> =>
  t.Union([...values.map((v) => t.Literal(v)), t.Null()], options) as TUnion<[...Literals<T>, TNull]>;

export const NextCursor = Nullable(t.String({ description: 'Pass as `cursor` for the next page; null on the last page' }));

type PageProperties<K extends string, T extends TSchema, X extends TProperties> = { [P in K]: TArray<T> } & X & { nextCursor: typeof NextCursor };

/** A keyset-paginated list: `{ <key>: [...], ...extra, nextCursor }`. */
export function Page<K extends string, T extends TSchema, X extends TProperties = {}>(key: K, item: T, extra?: X): TObject<PageProperties<K, T, X>> {
  return Exact({ [key]: t.Array(item), ...extra, nextCursor: NextCursor } as PageProperties<K, T, X>);
}

/** The error body as the API documents it: the code is one of the closed list in error-codes.ts. */
export const ApiErrorJson = Exact({
  error: Exact({
    code: OneOf(ERROR_CODE_LIST, { description: ERROR_CODE_LIST.map((c) => `\`${c}\` (${ERROR_CODES[c].status}): ${ERROR_CODES[c].meaning}`).join('; ') }),
    message: t.String({
      description: 'For people: what was refused and why; a validation error starts with the field, and for a closed list names the values it accepts',
    }),
  }),
});
export type ApiErrorJson = typeof ApiErrorJson.static;

/** The answer of actions that have nothing else to say. */
export const Ok = Exact({ ok: t.Literal(true) });
export type Ok = typeof Ok.static;

/**
 * OpenAPI for an answer without a body (204), for `detail.responses`: there is no schema to declare,
 * and Elysia's `t.Void()` would be documented as a bogus media type.
 */
export const NoContent = (description: string): { description: string } => ({ description: `${description}; no body` });

/**
 * A route's own copy of a schema that is shared beyond it. Elysia closes the top level of a response
 * schema (additionalProperties: false) by writing into the object it is given; the contract's schemas
 * must stay open, because the agent accepts fields a newer server adds.
 */
export const routeCopy = <T extends TSchema>(schema: T): T => CloneType(schema);

/** /healthz and /readyz: `{ ok: true }`, or 503 with why not. */
export const Health = Exact({ ok: t.Boolean(), reason: t.Optional(t.String({ description: 'Why the replica is not ready (503 only)' })) });
export type Health = typeof Health.static;
