import type { Db } from '../db/client';
import type { HashGate } from '../accounts/hashing';
import { createUser, findUserByEmail, normalizeEmail } from '../accounts/store';
import { randomId } from '../security/secrets';
import { recordAudit, type Actor } from '../audit/store';
import { violatedUniqueConstraint } from '../db/errors';
import { countOwners, findMembership, insertMembership, removeMembership, setMembership, type VisibleOrg } from './store';
import type { Role } from './schema';

/** Only owners manage owners: nobody else may make, demote or remove one. */
function ownerOnly(org: VisibleOrg, ...roles: (Role | undefined)[]): boolean {
  return org.role !== 'owner' && roles.includes('owner');
}

export type AddMemberResult =
  | { ok: true; userId: string; email: string; role: Role; temporaryPassword: string | null }
  | { ok: false; reason: 'owner_only' }
  | { ok: false; reason: 'already_member'; userId: string };

/**
 * Adds a member by email; one who already is stays as they are (their role changes through
 * `changeMemberRole`, which knows the rules about owners). An email with no account gets one with a
 * random temporary password, returned once so the admin can hand it over. `org.role` is the actor's;
 * `hashing` is the replica's password-hashing gate (a new account's password waits for a slot).
 */
export async function addMember(db: Db, hashing: HashGate, actor: Actor, org: VisibleOrg, emailRaw: string, role: Role): Promise<AddMemberResult> {
  const email = normalizeEmail(emailRaw);
  try {
    return await addMemberOnce(db, hashing, actor, org, email, role);
  } catch (e) {
    // Another request created the same new account first (its commit won the unique e-mail): the
    // account exists now, so a second run adds it, or finds it is already a member.
    if (violatedUniqueConstraint(e) !== 'users_email_unique') throw e;
    return addMemberOnce(db, hashing, actor, org, email, role);
  }
}

async function addMemberOnce(db: Db, hashing: HashGate, actor: Actor, org: VisibleOrg, email: string, role: Role): Promise<AddMemberResult> {
  return db.transaction(async (tx): Promise<AddMemberResult> => {
    let user = await findUserByEmail(tx, email);
    // Re-adding an owner is touching an owner too, though it changes nothing.
    if (ownerOnly(org, role, user ? (await findMembership(tx, org.id, user.id))?.role : undefined)) return { ok: false, reason: 'owner_only' };
    let temporaryPassword: string | null = null;
    if (!user) {
      temporaryPassword = randomId(12);
      user = await createUser(tx, hashing, { email, password: temporaryPassword });
    }
    if (!(await insertMembership(tx, org.id, user.id, role))) return { ok: false, reason: 'already_member', userId: user.id };
    await recordAudit(tx, {
      orgId: org.id,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'member.add',
      target: email,
      details: { role, newAccount: temporaryPassword !== null },
      ip: actor.ip,
    });
    return { ok: true as const, userId: user.id, email, role, temporaryPassword };
  });
}

export type ChangeMemberResult = { ok: true } | { ok: false; reason: 'not_member' | 'last_owner' | 'owner_only' };

export async function changeMemberRole(db: Db, actor: Actor, org: VisibleOrg, userId: string, role: Role): Promise<ChangeMemberResult> {
  return db.transaction(async (tx) => {
    if (ownerOnly(org, role, (await findMembership(tx, org.id, userId))?.role)) return { ok: false as const, reason: 'owner_only' as const };
    if (role !== 'owner' && (await isLastOwner(tx, org.id, userId))) return { ok: false as const, reason: 'last_owner' as const };
    const removed = await removeMembership(tx, org.id, userId);
    if (!removed) return { ok: false as const, reason: 'not_member' as const };
    await setMembership(tx, org.id, userId, role);
    await recordAudit(tx, {
      orgId: org.id,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'member.role',
      target: userId,
      details: { role },
      ip: actor.ip,
    });
    return { ok: true as const };
  });
}

export async function removeMember(db: Db, actor: Actor, org: VisibleOrg, userId: string): Promise<ChangeMemberResult> {
  return db.transaction(async (tx) => {
    if (ownerOnly(org, (await findMembership(tx, org.id, userId))?.role)) return { ok: false as const, reason: 'owner_only' as const };
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
