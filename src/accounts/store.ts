import { and, desc, eq, gt, isNull, ne, sql, type SQL } from 'drizzle-orm';
import { deleteBounded, queryRows, type Db } from '../db/client';
import { mintSecret, parseSecret, randomId, secretMatches, sha256Hex } from '../security/secrets';
import { checkPassword, hashPassword, type HashGate } from './hashing';
import { apiTokens, loginThrottle, sessions, users, type ApiToken, type TokenScope, type User } from './schema';

export const API_TOKEN_PREFIX = 'niro_pat';
export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** `hashing`: the replica's password-hashing gate (the hash waits for a slot). */
export async function createUser(db: Db, hashing: HashGate, input: { email: string; password: string; name?: string }): Promise<User> {
  const passwordHash = await hashPassword(hashing, input.password);
  const [user] = await db
    .insert(users)
    .values({ email: normalizeEmail(input.email), passwordHash, name: input.name ?? '' })
    .returning();
  return user;
}

export async function findUserByEmail(db: Db, email: string): Promise<User | null> {
  const [u] = await db
    .select()
    .from(users)
    .where(eq(users.email, normalizeEmail(email)));
  return u ?? null;
}

export async function getUser(db: Db, id: string): Promise<User | null> {
  const [u] = await db.select().from(users).where(eq(users.id, id));
  return u ?? null;
}

/** Sets the password as it is (no session ends): for seeding accounts, not for a user's own change. */
export async function setPassword(db: Db, hashing: HashGate, userId: string, password: string): Promise<void> {
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(hashing, password) })
    .where(eq(users.id, userId));
}

/**
 * Sets a new password and ends every other session of the user (whoever knew the old password is
 * signed out); `keepSession` is the session making the change. Returns how many sessions ended.
 */
export async function changePassword(db: Db, hashing: HashGate, userId: string, password: string, keepSession: string | null): Promise<number> {
  const passwordHash = await hashPassword(hashing, password);
  return db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, userId));
    return endSessions(tx, userId, keepSession);
  });
}

/** True when `password` is the user's current one (for re-authentication of a signed-in user). */
export async function passwordMatches(hashing: HashGate, user: User, password: string): Promise<boolean> {
  return checkPassword(hashing, password, user.passwordHash);
}

export type SessionRow = typeof sessions.$inferSelect;

/** Creates a session; the returned `cookieValue` is the only copy of the secret. */
export async function createSession(
  db: Db,
  userId: string,
  ip: string | null,
  currentOrgId: string | null = null,
): Promise<{ cookieValue: string; session: SessionRow }> {
  const cookieValue = randomId();
  const [session] = await db
    .insert(sessions)
    .values({ idHash: sha256Hex(cookieValue), userId, csrfToken: randomId(24), ip, currentOrgId, expiresAt: new Date(Date.now() + SESSION_TTL_MS) })
    .returning();
  return { cookieValue, session };
}

export async function findSession(db: Db, cookieValue: string): Promise<{ session: SessionRow; user: User } | null> {
  if (!cookieValue || cookieValue.length > 100) return null;
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.idHash, sha256Hex(cookieValue)), gt(sessions.expiresAt, new Date())));
  return row ?? null;
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, idHash));
}

/** Ends every session of the user except `keep` (a session's id hash; null ends them all). Returns how many ended. */
export async function endSessions(db: Db, userId: string, keep: string | null): Promise<number> {
  const rows = await db
    .delete(sessions)
    .where(keep ? and(eq(sessions.userId, userId), ne(sessions.idHash, keep)) : eq(sessions.userId, userId))
    .returning({ idHash: sessions.idHash });
  return rows.length;
}

/** Sessions of the user that still sign them in. */
export async function countSessions(db: Db, userId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from sessions where user_id = ${userId} and expires_at > now()`);
  return row?.n ?? 0;
}

export async function setSessionOrg(db: Db, idHash: string, orgId: string | null): Promise<void> {
  await db.update(sessions).set({ currentOrgId: orgId }).where(eq(sessions.idHash, idHash));
}

/**
 * Sessions past their expiry (they no longer sign anyone in) and sign-in throttles with no attempt since
 * `before` and no delay still running.
 */
export async function pruneAccounts(db: Db, now: Date, before: Date): Promise<{ sessions: number; loginFailures: number }> {
  return {
    sessions: await deleteBounded(db, 'sessions', sql`expires_at < ${now.toISOString()}::timestamptz`),
    loginFailures: await deleteBounded(
      db,
      'login_throttle',
      sql`last_attempt_at < ${before.toISOString()}::timestamptz and blocked_until < ${now.toISOString()}::timestamptz`,
    ),
  };
}

/** A new token (write scope and no expiry unless given); the token string is the only copy of the secret. */
export async function createApiToken(
  db: Db,
  userId: string,
  name: string,
  opts: { scope?: TokenScope; expiresAt?: Date | null } = {},
): Promise<{ token: string; row: ApiToken }> {
  const minted = mintSecret(API_TOKEN_PREFIX);
  const [row] = await db
    .insert(apiTokens)
    .values({ userId, name, scope: opts.scope ?? 'write', expiresAt: opts.expiresAt ?? null, publicId: minted.publicId, secretHash: minted.secretHash })
    .returning();
  return { token: minted.token, row };
}

export async function listApiTokens(db: Db, userId: string): Promise<ApiToken[]> {
  return db.select().from(apiTokens).where(eq(apiTokens.userId, userId)).orderBy(desc(apiTokens.createdAt));
}

export async function revokeApiToken(db: Db, userId: string, tokenId: string): Promise<ApiToken | null> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning();
  return row ?? null;
}

/** The token's user when the bearer token is valid, not revoked and not expired; updates last-used at most once a minute. */
export async function authenticateApiToken(db: Db, presented: string): Promise<{ user: User; token: ApiToken } | null> {
  const parts = parseSecret(API_TOKEN_PREFIX, presented);
  if (!parts) return null;
  const [row] = await db
    .select({ token: apiTokens, user: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.publicId, parts.publicId));
  const now = new Date();
  if (!row || row.token.revokedAt || !secretMatches(parts.secret, row.token.secretHash)) return null;
  if (row.token.expiresAt && row.token.expiresAt.getTime() <= now.getTime()) return null;
  if (!row.token.lastUsedAt || now.getTime() - row.token.lastUsedAt.getTime() > 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.token.id));
  }
  return row;
}

/**
 * How a throttle key slows attempts: the first `free` attempts since the key was last quiet go through at
 * once; after that each one waits twice as long as the one before (1 s, 2 s, 4 s, …) up to `maxDelaySeconds`.
 * `quietSeconds` without an attempt start the count afresh.
 */
export type ThrottlePolicy = { free: number; maxDelaySeconds: number; quietSeconds: number };

/** Seconds the attempt numbered `n` makes the next one wait (SQL). */
function throttleDelay(n: SQL, policy: ThrottlePolicy): SQL {
  return sql`(case when ${n} < ${policy.free} then 0 else least(power(2, least(${n} - ${policy.free}, 30)), ${policy.maxDelaySeconds}) end)`;
}

export type ThrottleVerdict = { ok: true; attempts: number; delaySeconds: number } | { ok: false; retryAfter: number };

/**
 * Counts one attempt for `key` if it may be made now, in one statement: concurrent attempts on the same
 * key queue on its row, so 60 guesses at once get exactly the budget through and the rest refused.
 * A refused attempt changes nothing (a throttled client cannot extend its own delay for others to see,
 * and costs us no write).
 */
export async function takeLoginAttempt(db: Db, key: string, policy: ThrottlePolicy, now = new Date()): Promise<ThrottleVerdict> {
  const at = now.toISOString();
  const quietFloor = new Date(now.getTime() - policy.quietSeconds * 1000).toISOString();
  // The attempt's number, and the wait it imposes on the next one.
  const attempts = sql`(case when t.last_attempt_at < ${quietFloor}::timestamptz then 1 else t.attempts + 1 end)`;
  const delay = (n: SQL): SQL => throttleDelay(n, policy);
  // Concurrent requests read the clock before they queue on the row, so one may arrive "earlier" than
  // the attempt it waited for: a key's time never runs backwards (the later of the two clocks counts).
  const effective = sql`greatest(excluded.last_attempt_at, t.last_attempt_at)`;
  const rows = await queryRows<{ attempts: number; delay: number }>(
    db,
    sql`insert into login_throttle as t (key, attempts, last_attempt_at, blocked_until)
        values (${key}, 1, ${at}::timestamptz, ${at}::timestamptz + make_interval(secs => ${delay(sql`1`)}))
        on conflict (key) do update set
          attempts = ${attempts},
          last_attempt_at = ${effective},
          blocked_until = ${effective} + make_interval(secs => ${delay(attempts)})
        where t.blocked_until <= ${effective}
        returning t.attempts, extract(epoch from t.blocked_until - t.last_attempt_at)::float8 as delay`,
  );
  if (rows[0]) return { ok: true, attempts: rows[0].attempts, delaySeconds: Math.round(rows[0].delay) };
  const [row] = await db.select({ blockedUntil: loginThrottle.blockedUntil }).from(loginThrottle).where(eq(loginThrottle.key, key));
  const left = row ? row.blockedUntil.getTime() - now.getTime() : 0;
  return { ok: false, retryAfter: Math.max(1, Math.ceil(left / 1000)) };
}

/**
 * Takes back one counted attempt (it was no guess: the password was right, or it was never checked),
 * and the wait that attempt imposed.
 */
export async function refundLoginAttempt(db: Db, key: string, policy: ThrottlePolicy): Promise<void> {
  const left = sql`greatest(t.attempts - 1, 0)`;
  await db.execute(
    sql`update login_throttle as t set
          attempts = ${left},
          blocked_until = least(t.blocked_until, t.last_attempt_at + make_interval(secs => ${throttleDelay(left, policy)}))
        where t.key = ${key}`,
  );
}

/** Forgets every attempt of `key` (a successful sign-in from that account at that address). */
export async function clearLoginAttempts(db: Db, key: string): Promise<void> {
  await db.delete(loginThrottle).where(eq(loginThrottle.key, key));
}
