import type { Db } from '../db/client';
import { createUser, findUserByEmail, normalizeEmail } from '../accounts/store';
import { randomId } from '../security/secrets';
import { recordAudit, type Actor } from '../audit/store';
import { violatedUniqueConstraint } from '../db/errors';
import { countOwners, findMembership, insertMembership, removeMembership, setMembership } from './store';
import type { Org, Role } from './schema';

export type AddMemberResult = { ok: true; userId: string; email: string; role: Role; temporaryPassword: string | null } | { ok: false; reason: 'already_member'; userId: string };

/**
 * Adds a member by email; one who already is stays as they are (their role changes through
 * `changeMemberRole`, which knows the rules about owners). An email with no account gets one with a
 * random temporary password, returned once so the admin can hand it over.
 */
export async function addMember(db: Db, actor: Actor, org: Org, emailRaw: string, role: Role): Promise<AddMemberResult> {
  const email = normalizeEmail(emailRaw);
  try {
    return await addMemberOnce(db, actor, org, email, role);
  } catch (e) {
    // Another request created the same new account first (its commit won the unique e-mail): the
    // account exists now, so a second run adds it, or finds it is already a member.
    if (violatedUniqueConstraint(e) !== 'users_email_unique') throw e;
    return addMemberOnce(db, actor, org, email, role);
  }
}

async function addMemberOnce(db: Db, actor: Actor, org: Org, email: string, role: Role): Promise<AddMemberResult> {
  return db.transaction(async (tx) => {
    let user = await findUserByEmail(tx, email);
    let temporaryPassword: string | null = null;
    if (!user) {
      temporaryPassword = randomId(12);
      user = await createUser(tx, { email, password: temporaryPassword });
    }
    if (!(await insertMembership(tx, org.id, user.id, role))) return { ok: false as const, reason: 'already_member' as const, userId: user.id };
    await recordAudit(tx, { orgId: org.id, actorUserId: actor.userId, actor: actor.email, action: 'member.add', target: email, details: { role, newAccount: temporaryPassword !== null }, ip: actor.ip });
    return { ok: true as const, userId: user.id, email, role, temporaryPassword };
  });
}

export type ChangeMemberResult = { ok: true } | { ok: false; reason: 'not_member' | 'last_owner' };

export async function changeMemberRole(db: Db, actor: Actor, org: Org, userId: string, role: Role): Promise<ChangeMemberResult> {
  return db.transaction(async (tx) => {
    if (role !== 'owner' && (await isLastOwner(tx, org.id, userId))) return { ok: false as const, reason: 'last_owner' as const };
    const removed = await removeMembership(tx, org.id, userId);
    if (!removed) return { ok: false as const, reason: 'not_member' as const };
    await setMembership(tx, org.id, userId, role);
    await recordAudit(tx, { orgId: org.id, actorUserId: actor.userId, actor: actor.email, action: 'member.role', target: userId, details: { role }, ip: actor.ip });
    return { ok: true as const };
  });
}

export async function removeMember(db: Db, actor: Actor, org: Org, userId: string): Promise<ChangeMemberResult> {
  return db.transaction(async (tx) => {
    if (await isLastOwner(tx, org.id, userId)) return { ok: false as const, reason: 'last_owner' as const };
    const removed = await removeMembership(tx, org.id, userId);
    if (!removed) return { ok: false as const, reason: 'not_member' as const };
    await recordAudit(tx, { orgId: org.id, actorUserId: actor.userId, actor: actor.email, action: 'member.remove', target: userId, ip: actor.ip });
    return { ok: true as const };
  });
}

async function isLastOwner(db: Db, orgId: string, userId: string): Promise<boolean> {
  const m = await findMembership(db, orgId, userId);
  return m?.role === 'owner' && (await countOwners(db, orgId)) <= 1;
}
