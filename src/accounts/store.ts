import { and, desc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { deleteBounded, type Db } from '../db/client';
import { mintSecret, parseSecret, randomId, secretMatches, sha256Hex } from '../security/secrets';
import { apiTokens, loginFailures, sessions, users, type ApiToken, type User } from './schema';

export const API_TOKEN_PREFIX = 'niro_pat';
export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function createUser(db: Db, input: { email: string; password: string; name?: string }): Promise<User> {
  const passwordHash = await Bun.password.hash(input.password);
  const [user] = await db.insert(users).values({ email: normalizeEmail(input.email), passwordHash, name: input.name ?? '' }).returning();
  return user;
}

export async function findUserByEmail(db: Db, email: string): Promise<User | null> {
  const [u] = await db.select().from(users).where(eq(users.email, normalizeEmail(email)));
  return u ?? null;
}

export async function getUser(db: Db, id: string): Promise<User | null> {
  const [u] = await db.select().from(users).where(eq(users.id, id));
  return u ?? null;
}

export async function setPassword(db: Db, userId: string, password: string): Promise<void> {
  await db.update(users).set({ passwordHash: await Bun.password.hash(password) }).where(eq(users.id, userId));
}

// A real hash of a random password: verifying against it costs the same as against a user's,
// so an unknown email takes as long to refuse as a wrong password.
const DUMMY_HASH = Bun.password.hash(randomId());

/** The user when email and password match; null otherwise (no hint which one was wrong). */
export async function verifyLogin(db: Db, email: string, password: string): Promise<User | null> {
  const user = await findUserByEmail(db, email);
  const ok = await Bun.password.verify(password, user?.passwordHash ?? (await DUMMY_HASH));
  return user && ok ? user : null;
}

export type SessionRow = typeof sessions.$inferSelect;

/** Creates a session; the returned `cookieValue` is the only copy of the secret. */
export async function createSession(db: Db, userId: string, ip: string | null, currentOrgId: string | null = null): Promise<{ cookieValue: string; session: SessionRow }> {
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

export async function setSessionOrg(db: Db, idHash: string, orgId: string | null): Promise<void> {
  await db.update(sessions).set({ currentOrgId: orgId }).where(eq(sessions.idHash, idHash));
}

/** Sessions past their expiry (they no longer sign anyone in) and login-failure windows older than `before`. */
export async function pruneAccounts(db: Db, now: Date, before: Date): Promise<{ sessions: number; loginFailures: number }> {
  return {
    sessions: await deleteBounded(db, 'sessions', sql`expires_at < ${now.toISOString()}::timestamptz`),
    loginFailures: await deleteBounded(db, 'login_failures', sql`window_start < ${before.toISOString()}::timestamptz`),
  };
}

export async function createApiToken(db: Db, userId: string, name: string): Promise<{ token: string; row: ApiToken }> {
  const minted = mintSecret(API_TOKEN_PREFIX);
  const [row] = await db.insert(apiTokens).values({ userId, name, publicId: minted.publicId, secretHash: minted.secretHash }).returning();
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

/** The token's user when the bearer token is valid and not revoked; updates last-used at most once a minute. */
export async function authenticateApiToken(db: Db, presented: string): Promise<{ user: User; token: ApiToken } | null> {
  const parts = parseSecret(API_TOKEN_PREFIX, presented);
  if (!parts) return null;
  const [row] = await db
    .select({ token: apiTokens, user: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.publicId, parts.publicId));
  if (!row || row.token.revokedAt || !secretMatches(parts.secret, row.token.secretHash)) return null;
  const now = new Date();
  if (!row.token.lastUsedAt || now.getTime() - row.token.lastUsedAt.getTime() > 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.token.id));
  }
  return row;
}

export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** Failures allowed per window: per account, and (higher, since offices share an address) per source address. */
export const LOGIN_MAX_FAILURES = { email: 10, ip: 100 } as const;

/** Seconds until the key may try again, or 0 when it is not limited. */
export async function loginRetryAfter(db: Db, key: string, maxFailures: number): Promise<number> {
  const [row] = await db.select().from(loginFailures).where(eq(loginFailures.key, key));
  if (!row || row.count < maxFailures) return 0;
  const left = row.windowStart.getTime() + LOGIN_WINDOW_MS - Date.now();
  return left > 0 ? Math.ceil(left / 1000) : 0;
}

/** Counts a failure in the key's current window (a new window starts when the old one has passed). */
export async function recordLoginFailure(db: Db, key: string): Promise<void> {
  const now = new Date();
  const windowFloor = new Date(now.getTime() - LOGIN_WINDOW_MS);
  await db
    .insert(loginFailures)
    .values({ key, windowStart: now, count: 1 })
    .onConflictDoUpdate({
      target: loginFailures.key,
      set: {
        count: sql`case when ${loginFailures.windowStart} < ${sql.param(windowFloor, loginFailures.windowStart)} then 1 else ${loginFailures.count} + 1 end`,
        windowStart: sql`case when ${loginFailures.windowStart} < ${sql.param(windowFloor, loginFailures.windowStart)} then ${sql.param(now, loginFailures.windowStart)} else ${loginFailures.windowStart} end`,
      },
    });
}

export async function clearLoginFailures(db: Db, key: string): Promise<void> {
  await db.delete(loginFailures).where(or(eq(loginFailures.key, key)));
}
