import { pgTable, uuid, text, timestamp, index, integer, check } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** Stored lower-cased; unique. */
  email: text('email').notNull().unique(),
  name: text('name').notNull().default(''),
  passwordHash: text('password_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/** Server-side sessions. The cookie carries the secret; only its SHA-256 is stored. */
export const sessions = pgTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Synchronizer token for CSRF; random per session, not a secret from the session's own pages. */
    csrfToken: text('csrf_token').notNull(),
    /** The org the UI is currently narrowed to (org switcher); null = all visible orgs. */
    currentOrgId: uuid('current_org_id'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    ip: text('ip'),
  },
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_expires_idx').on(t.expiresAt)],
);

/** What an API token may do: `read` answers 403 to every request that is not GET/HEAD/OPTIONS. */
export const TOKEN_SCOPES = ['read', 'write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** API tokens for curl users: `niro_pat_<publicId>_<secret>`; only the secret's hash is kept. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    publicId: text('public_id').notNull().unique(),
    secretHash: text('secret_hash').notNull(),
    scope: text('scope').$type<TokenScope>().notNull().default('write'),
    /** Null: the token does not expire (it can still be revoked). */
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, precision: 3 }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [index('api_tokens_user_idx').on(t.userId), check('api_tokens_scope_check', sql`${t.scope} in ('read','write')`)],
);

/**
 * Sign-in attempts per key (an account at one client address, or one client address), shared by every
 * replica. `attempts` counts attempts since the key was last quiet; the next one is allowed from
 * `blockedUntil` on (exponential delays), so a guesser is slowed, never anyone at another address.
 */
export const loginThrottle = pgTable(
  'login_throttle',
  {
    key: text('key').primaryKey(),
    attempts: integer('attempts').notNull(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, precision: 3 }).notNull(),
    blockedUntil: timestamp('blocked_until', { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [index('login_throttle_last_attempt_idx').on(t.lastAttemptAt)],
);

/**
 * The one-time link that creates the first owner (src/accounts/setup.ts): only the SHA-256 of its token is kept.
 * At most one row, replaced at every start while no owner exists, deleted once one does.
 */
export const setupTokens = pgTable('setup_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

export type User = typeof users.$inferSelect;
export type ApiToken = typeof apiTokens.$inferSelect;
