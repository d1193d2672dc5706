// What `niro admin` does to accounts (src/accounts/cli.ts parses the command line): for scripted installs and for
// an operator locked out, with the database itself as the credential. Every change is audited as done by
// "niro admin".
import type { HashGate } from './hashing';
import { asc, eq } from 'drizzle-orm';
import { isUuid, type Db } from '../db/client';
import { recordAudit } from '../audit/store';
import { createOrg, setMembership } from '../orgs/store';
import { orgs, type Org, type Role } from '../orgs/schema';
import { randomId } from '../security/secrets';
import type { TokenScope } from './schema';
import { accountProblem, ROOT_ORG_PLAN } from './setup';
import { changePassword, createApiToken, createUser, findUserByEmail, normalizeEmail } from './store';
import { MAX_TOKEN_DAYS } from './tokens';
import { primaryOrgId } from './login';

const ACTOR = 'niro admin';

/** Where a new user goes: an existing organization (by id or exact name), a new root one, or none yet. */
export type OrgChoice = { existing: string } | { create: string } | null;

export type CreateUserInput = { email: string; name: string; password: string | null; org: OrgChoice; role: Role };

export type AdminResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/** A password for the account when none is given: 24 random characters, printed once by the CLI. */
function generatePassword(): string {
  return randomId(18);
}

async function findOrg(db: Db, ref: string): Promise<AdminResult<Org>> {
  const found = isUuid(ref)
    ? await db.select().from(orgs).where(eq(orgs.id, ref))
    : await db.select().from(orgs).where(eq(orgs.name, ref)).orderBy(asc(orgs.depth));
  if (found.length === 1) return { ok: true, value: found[0] };
  if (found.length === 0)
    return { ok: false, problem: `org: no organization ${isUuid(ref) ? 'with id' : 'named'} "${ref}" (--new-org creates a root organization)` };
  return { ok: false, problem: `org: ${found.length} organizations are named "${ref}": give the id of one (${found.map((o) => o.id).join(', ')})` };
}

/** Creates the account and its membership in one transaction; the password is the given one or a generated one. */
export async function adminCreateUser(
  db: Db,
  hashing: HashGate,
  input: CreateUserInput,
): Promise<AdminResult<{ userId: string; email: string; password: string; org: Org | null }>> {
  const password = input.password ?? generatePassword();
  const problem = accountProblem({ email: input.email, name: input.name, password });
  if (problem) return { ok: false, problem };
  if (input.org && 'create' in input.org && !(input.org.create.trim() && input.org.create.trim().length <= 100))
    return { ok: false, problem: 'new-org: must be 1 to 100 characters' };
  return db.transaction(async (tx): Promise<AdminResult<{ userId: string; email: string; password: string; org: Org | null }>> => {
    if (await findUserByEmail(tx, input.email)) return { ok: false, problem: `email: an account with ${normalizeEmail(input.email)} exists already` };
    let org: Org | null = null;
    if (input.org && 'existing' in input.org) {
      const found = await findOrg(tx, input.org.existing);
      if (!found.ok) return found;
      org = found.value;
    } else if (input.org) {
      const created = await createOrg(tx, { name: input.org.create.trim(), plan: ROOT_ORG_PLAN });
      if (!created.ok) throw new Error('a root organization has no parent to be refused by');
      org = created.org;
    }
    const user = await createUser(tx, hashing, { email: input.email, password, name: input.name.trim() });
    if (org) await setMembership(tx, org.id, user.id, input.role);
    await recordAudit(tx, {
      orgId: org?.id ?? null,
      actor: ACTOR,
      action: 'user.create',
      target: user.email,
      details: { role: org ? input.role : null, newOrg: input.org !== null && 'create' in input.org },
    });
    return { ok: true, value: { userId: user.id, email: user.email, password, org } };
  });
}

/** Sets a new password (the given one or a generated one) and ends every session of the account. */
export async function adminResetPassword(
  db: Db,
  hashing: HashGate,
  email: string,
  given: string | null,
): Promise<AdminResult<{ password: string; sessionsEnded: number }>> {
  const user = await findUserByEmail(db, email);
  if (!user) return { ok: false, problem: `email: no account with ${normalizeEmail(email)}` };
  const password = given ?? generatePassword();
  const problem = accountProblem({ email: user.email, name: '', password });
  if (problem) return { ok: false, problem };
  const sessionsEnded = await changePassword(db, hashing, user.id, password, null);
  await recordAudit(db, { orgId: await primaryOrgId(db, user.id), actor: ACTOR, action: 'password.reset', target: user.email, details: { sessionsEnded } });
  return { ok: true, value: { password, sessionsEnded } };
}

/** An API token of the account, as Settings → API tokens makes one; the secret is in the answer only. */
export async function adminCreateToken(
  db: Db,
  input: { email: string; name: string; scope: TokenScope; expiresInDays: number | null },
): Promise<AdminResult<{ token: string }>> {
  const user = await findUserByEmail(db, input.email);
  if (!user) return { ok: false, problem: `email: no account with ${normalizeEmail(input.email)}` };
  const name = input.name.trim();
  if (!name || name.length > 100) return { ok: false, problem: 'name: must be 1 to 100 characters' };
  const days = input.expiresInDays;
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS))
    return { ok: false, problem: `expires-days: must be a whole number from 1 to ${MAX_TOKEN_DAYS}` };
  const expiresAt = days === null ? null : new Date(Date.now() + days * 24 * 3600 * 1000);
  const created = await createApiToken(db, user.id, name, { scope: input.scope, expiresAt });
  await recordAudit(db, {
    orgId: await primaryOrgId(db, user.id),
    actor: ACTOR,
    action: 'token.create',
    target: `niro_pat_${created.row.publicId}`,
    details: { name, scope: input.scope, owner: user.email, expiresAt: expiresAt?.toISOString() ?? null },
  });
  return { ok: true, value: { token: created.token } };
}
