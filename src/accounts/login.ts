import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { memberships } from '../orgs/schema';
import { recordAudit } from '../audit/store';
import { LOGIN_MAX_FAILURES, clearLoginFailures, createSession, findUserByEmail, loginRetryAfter, normalizeEmail, recordLoginFailure, verifyLogin } from './store';

export type LoginResult =
  | { ok: true; cookieValue: string; userId: string }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'rate_limited'; retryAfter: number };

/** The org a user's account-level events (logins, tokens) are filed under: their oldest membership. */
export async function primaryOrgId(db: Db, userId: string): Promise<string | null> {
  const [m] = await db.select({ orgId: memberships.orgId }).from(memberships).where(eq(memberships.userId, userId)).orderBy(asc(memberships.createdAt)).limit(1);
  return m?.orgId ?? null;
}

/**
 * Checks credentials with a limit per source address and per email (so neither a single
 * client nor a distributed guess at one account can try more than LOGIN_MAX_FAILURES per window).
 * Every failure is audited; the message to the client never says which part was wrong.
 */
export async function attemptLogin(db: Db, input: { email: string; password: string; ip: string | null }): Promise<LoginResult> {
  const email = normalizeEmail(input.email);
  const keys = [`email:${email}`, `ip:${input.ip ?? 'unknown'}`];
  const waits = await Promise.all([loginRetryAfter(db, keys[0], LOGIN_MAX_FAILURES.email), loginRetryAfter(db, keys[1], LOGIN_MAX_FAILURES.ip)]);
  const retryAfter = Math.max(...waits);
  const known = await findUserByEmail(db, email);
  const orgId = known ? await primaryOrgId(db, known.id) : null;
  if (retryAfter > 0) {
    await recordAudit(db, { orgId, actorUserId: known?.id, actor: email, action: 'login.rate_limited', ip: input.ip });
    return { ok: false, reason: 'rate_limited', retryAfter };
  }
  const user = await verifyLogin(db, email, input.password);
  if (!user) {
    await Promise.all(keys.map((k) => recordLoginFailure(db, k)));
    await recordAudit(db, { orgId, actorUserId: known?.id, actor: email, action: 'login.failed', ip: input.ip });
    return { ok: false, reason: 'invalid' };
  }
  await clearLoginFailures(db, keys[0]);
  const { cookieValue } = await createSession(db, user.id, input.ip);
  await recordAudit(db, { orgId, actorUserId: user.id, actor: user.email, action: 'login', ip: input.ip });
  return { ok: true, cookieValue, userId: user.id };
}
