// The first run of a real server: while no organization has an owner, each start mints a one-time setup token and
// prints its URL; whoever opens it creates the first owner and the root organization, and the token is gone. This
// is the only way in without an account (the other is `niro admin`, which needs the database itself).
import type { HashGate } from './hashing';
import { eq, sql } from 'drizzle-orm';
import { LOCKS, queryRows, type Db } from '../db/client';
import type { Logger } from '../log';
import { recordAudit } from '../audit/store';
import { createOrg, setMembership } from '../orgs/store';
import type { Plan } from '../orgs/schema';
import { randomId, sha256Hex } from '../security/secrets';
import { setupTokens, type User } from './schema';
import { createSession, createUser, findUserByEmail, normalizeEmail } from './store';

export const MIN_PASSWORD_LENGTH = 10;

/**
 * A root organization made on a server's own install gets the longest retention: plans bound what one org gets
 * from a shared server, and nothing sits above the install's own root (its owner can lower it).
 */
export const ROOT_ORG_PLAN: Plan = 'enterprise';

/** True once some organization has an owner: from then on accounts are created by people signed in. */
export async function ownerExists(db: Db): Promise<boolean> {
  const [row] = await queryRows<{ found: boolean }>(db, sql`select exists (select 1 from memberships where role = 'owner') as found`);
  return row?.found === true;
}

/**
 * A fresh setup token while no owner exists (any earlier one stops working), or null once one does (and leftovers
 * are deleted). Only the token's hash is stored: the URL printed at start is its only copy.
 */
export async function issueSetupToken(db: Db): Promise<string | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCKS.setup})`);
    await tx.delete(setupTokens);
    if (await ownerExists(tx)) return null;
    const token = randomId();
    await tx.insert(setupTokens).values({ tokenHash: sha256Hex(token) });
    return token;
  });
}

/** True when `token` is the current setup token (the form is shown only then). */
export async function setupTokenValid(db: Db, token: string): Promise<boolean> {
  if (!token || token.length > 100) return false;
  const [row] = await db
    .select({ tokenHash: setupTokens.tokenHash })
    .from(setupTokens)
    .where(eq(setupTokens.tokenHash, sha256Hex(token)));
  return row !== undefined;
}

/** At start: prints the setup URL when the server has no owner yet. */
export async function offerSetup(db: Db, publicUrl: string, log: Logger): Promise<void> {
  const token = await issueSetupToken(db);
  if (token)
    log.warn('no owner yet: open the setup URL to create the first account (it works once, until the next start)', {
      setupUrl: `${publicUrl}/setup?token=${token}`,
    });
}

export type NewAccount = { email: string; name: string; password: string };

/** What is wrong with a new account's fields, naming the field, or null when nothing is. */
export function accountProblem(input: NewAccount): string | null {
  const email = normalizeEmail(input.email);
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return 'email: must be an email address';
  if (input.name.trim().length > 100) return 'name: must be at most 100 characters';
  if (input.password.length < MIN_PASSWORD_LENGTH) return `password: must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (input.password.length > 1024) return 'password: must be at most 1024 characters';
  return null;
}

export type SetupInput = NewAccount & { token: string; orgName: string; ip: string | null };

export type SetupResult =
  | { ok: true; user: User; cookieValue: string }
  | { ok: false; reason: 'invalid_token' | 'already_set_up' | 'email_taken' }
  | { ok: false; reason: 'invalid'; problem: string };

/**
 * Creates the first owner, the root organization they own, and their session, consuming the token. Under a lock,
 * so two submissions of the same form cannot both succeed.
 */
export async function completeSetup(db: Db, hashing: HashGate, input: SetupInput): Promise<SetupResult> {
  const problem = accountProblem(input) ?? (input.orgName.trim() && input.orgName.trim().length <= 100 ? null : 'orgName: must be 1 to 100 characters');
  if (problem) return { ok: false, reason: 'invalid', problem };
  return db.transaction(async (tx): Promise<SetupResult> => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCKS.setup})`);
    if (await ownerExists(tx)) return { ok: false, reason: 'already_set_up' };
    if (!(await setupTokenValid(tx, input.token))) return { ok: false, reason: 'invalid_token' };
    // An account made with `niro admin` before anyone owned anything is not taken over by whoever holds the link.
    // (The token stays valid: the form can be sent again with another email.)
    if (await findUserByEmail(tx, input.email)) return { ok: false, reason: 'email_taken' };
    await tx.delete(setupTokens);
    const user = await createUser(tx, hashing, { email: input.email, password: input.password, name: input.name.trim() });
    const created = await createOrg(tx, { name: input.orgName.trim(), plan: ROOT_ORG_PLAN });
    if (!created.ok) throw new Error('a root organization has no parent to be refused by');
    await setMembership(tx, created.org.id, user.id, 'owner');
    const { cookieValue } = await createSession(tx, user.id, input.ip);
    await recordAudit(tx, {
      orgId: created.org.id,
      actorUserId: user.id,
      actor: user.email,
      action: 'setup.complete',
      target: created.org.id,
      details: { org: created.org.name },
      ip: input.ip,
    });
    return { ok: true, user, cookieValue };
  });
}
