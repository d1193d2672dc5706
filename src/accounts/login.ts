import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { memberships } from '../orgs/schema';
import { recordAudit } from '../audit/store';
import { checkSignInPassword, type HashGate } from './hashing';
import { clearLoginAttempts, createSession, findUserByEmail, normalizeEmail, refundLoginAttempt, takeLoginAttempt, type ThrottlePolicy } from './store';

export type LoginResult =
  | { ok: true; cookieValue: string; userId: string }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'rate_limited'; retryAfter: number }
  | { ok: false; reason: 'busy'; retryAfter: number };

/**
 * One account at one client address: 5 guesses at once, then exponential delays up to 15 minutes.
 * The owner at any other address has a key of their own, so an attacker slows only themselves.
 */
export const ACCOUNT_AT_ADDRESS: ThrottlePolicy = { free: 5, maxDelaySeconds: 15 * 60, quietSeconds: 24 * 3600 };
/**
 * One client address over every account (password spraying): generous, since offices and proxies share an
 * address, and it only ever delays (up to a minute), never locks anyone out. Successful sign-ins do not count.
 */
export const ADDRESS: ThrottlePolicy = { free: 100, maxDelaySeconds: 60, quietSeconds: 3600 };

/** The throttle key of one account (normalised email) at one client address. */
export function accountAtAddressKey(email: string, ip: string | null): string {
  return `account:${normalizeEmail(email)}|address:${ip ?? 'unknown'}`;
}

/** The org a user's account-level events (logins, tokens) are filed under: their oldest membership. */
export async function primaryOrgId(db: Db, userId: string): Promise<string | null> {
  const [m] = await db
    .select({ orgId: memberships.orgId })
    .from(memberships)
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt))
    .limit(1);
  return m?.orgId ?? null;
}

/**
 * Checks credentials, throttled per account+address and per address (OWASP: delays, not lockout).
 * The attempt is counted before the password is hashed, so concurrent guesses cannot all slip in; a
 * throttled attempt is refused before any hashing or write. Every checked failure is audited; the message
 * to the client never says which part was wrong. `hashing` is the replica's password-hashing gate ('busy' when full).
 */
export async function attemptLogin(db: Db, hashing: HashGate, input: { email: string; password: string; ip: string | null }): Promise<LoginResult> {
  const email = normalizeEmail(input.email);
  const pairKey = accountAtAddressKey(email, input.ip);
  const addressKey = `address:${input.ip ?? 'unknown'}`;

  const pair = await takeLoginAttempt(db, pairKey, ACCOUNT_AT_ADDRESS);
  if (!pair.ok) return { ok: false, reason: 'rate_limited', retryAfter: pair.retryAfter };
  const wide = await takeLoginAttempt(db, addressKey, ADDRESS);
  if (!wide.ok) {
    await refundLoginAttempt(db, pairKey, ACCOUNT_AT_ADDRESS);
    return { ok: false, reason: 'rate_limited', retryAfter: wide.retryAfter };
  }

  const known = await findUserByEmail(db, email);
  const verdict = await checkSignInPassword(hashing, input.password, known?.passwordHash ?? null);
  if (verdict === 'busy') {
    await refundLoginAttempt(db, pairKey, ACCOUNT_AT_ADDRESS);
    await refundLoginAttempt(db, addressKey, ADDRESS);
    return { ok: false, reason: 'busy', retryAfter: 1 };
  }
  const orgId = known ? await primaryOrgId(db, known.id) : null;
  if (!known || !verdict) {
    // The delay this failure starts is recorded with it, so the audit shows when throttling began.
    const delaySeconds = Math.max(pair.delaySeconds, wide.delaySeconds);
    await recordAudit(db, {
      orgId,
      actorUserId: known?.id,
      actor: email,
      action: 'login.failed',
      details: delaySeconds ? { throttledForSeconds: delaySeconds } : undefined,
      ip: input.ip,
    });
    return { ok: false, reason: 'invalid' };
  }
  await clearLoginAttempts(db, pairKey);
  await refundLoginAttempt(db, addressKey, ADDRESS);
  const { cookieValue } = await createSession(db, known.id, input.ip);
  await recordAudit(db, { orgId, actorUserId: known.id, actor: known.email, action: 'login', ip: input.ip });
  return { ok: true, cookieValue, userId: known.id };
}
