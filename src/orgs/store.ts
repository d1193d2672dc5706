import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { isUuid, queryRows, type Db } from '../db/client';
import { users } from '../accounts/schema';
import { MAX_ORG_DEPTH, PLANS, ROLES, memberships, orgs, type Org, type Plan, type Role } from './schema';

export type VisibleOrg = Org & { role: Role };

const RANK: Record<Role, number> = { owner: 4, admin: 3, member: 2, viewer: 1 };

export function roleAtLeast(role: Role, min: Role): boolean {
  return RANK[role] >= RANK[min];
}

/**
 * Every org the user can see: the orgs they are a member of and all their descendants,
 * each with the strongest role inherited from a membership on it or on an ancestor.
 * This is the one place tenancy scope is computed; every user-facing query filters by it.
 */
export async function listVisibleOrgs(db: Db, userId: string): Promise<VisibleOrg[]> {
  const rows = await queryRows<{ id: string; role: Role }>(
    db,
    sql`with recursive tree(id, role) as (
          select m.org_id, m.role from memberships m where m.user_id = ${userId}
          union all
          select o.id, tree.role from orgs o join tree on o.parent_id = tree.id
        )
        select id, role from tree`,
  );
  const best = new Map<string, Role>();
  for (const r of rows) {
    const cur = best.get(r.id);
    if (!cur || RANK[r.role] > RANK[cur]) best.set(r.id, r.role);
  }
  if (best.size === 0) return [];
  const list = await db
    .select()
    .from(orgs)
    .where(inArray(orgs.id, [...best.keys()]))
    .orderBy(asc(orgs.depth), asc(orgs.name));
  return list.map((o) => ({ ...o, role: best.get(o.id)! }));
}

export async function visibleOrgIds(db: Db, userId: string): Promise<string[]> {
  return (await listVisibleOrgs(db, userId)).map((o) => o.id);
}

/** The org if the user can see it (with their effective role), else null — callers answer 404. */
export async function findVisibleOrg(db: Db, userId: string, orgId: string): Promise<VisibleOrg | null> {
  if (!isUuid(orgId)) return null;
  return (await listVisibleOrgs(db, userId)).find((o) => o.id === orgId) ?? null;
}

/** The org and every descendant of it (for narrowing views to one org's subtree). */
export function subtreeOf(all: VisibleOrg[], rootId: string): VisibleOrg[] {
  const ids = new Set([rootId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const o of all) if (o.parentId && ids.has(o.parentId) && !ids.has(o.id)) ids.add(o.id), (grew = true);
  }
  return all.filter((o) => ids.has(o.id));
}

/** True when `plan` gives no more than `limit` (free < pro < enterprise). */
export function planWithin(plan: Plan, limit: Plan): boolean {
  return PLANS.indexOf(plan) <= PLANS.indexOf(limit);
}

/** The org's row, locked until the transaction ends (plan changes along one branch of the tree take turns). */
async function lockOrg(tx: Db, orgId: string): Promise<Org | null> {
  const [org] = await tx.select().from(orgs).where(eq(orgs.id, orgId)).for('update');
  return org ?? null;
}

export type CreateOrgResult = { ok: true; org: Org } | { ok: false; reason: 'too_deep' } | { ok: false; reason: 'plan_above_parent'; parentPlan: Plan };

/** Creates an org under `parent` (a root without one). A child's plan never exceeds its parent's; absent, it is the parent's. */
export async function createOrg(db: Db, input: { name: string; parent?: Org | null; plan?: Plan }): Promise<CreateOrgResult> {
  const depth = input.parent ? input.parent.depth + 1 : 0;
  if (depth > MAX_ORG_DEPTH) return { ok: false, reason: 'too_deep' };
  return db.transaction(async (tx): Promise<CreateOrgResult> => {
    const parent = input.parent ? await lockOrg(tx, input.parent.id) : null;
    const plan = input.plan ?? parent?.plan ?? 'free';
    if (parent && !planWithin(plan, parent.plan)) return { ok: false, reason: 'plan_above_parent', parentPlan: parent.plan };
    const [org] = await tx
      .insert(orgs)
      .values({ name: input.name, parentId: parent?.id ?? null, depth, plan })
      .returning();
    return { ok: true, org };
  });
}

export type UpdateOrgResult =
  | { ok: true; org: Org }
  | { ok: false; reason: 'plan_above_parent'; parentPlan: Plan }
  | { ok: false; reason: 'plan_below_child'; child: { id: string; name: string; plan: Plan } };

/**
 * Renames an org and/or changes its plan, keeping every child's plan within its parent's: a plan may not
 * rise above the parent's, nor fall below a direct child's (lower the child first). The parent's row is
 * locked first, then this one, so a parent lowering and a child rising at once cannot both succeed.
 */
export async function updateOrg(db: Db, orgId: string, patch: { name?: string; plan?: Plan }): Promise<UpdateOrgResult> {
  return db.transaction(async (tx): Promise<UpdateOrgResult> => {
    const [current] = await tx.select({ parentId: orgs.parentId }).from(orgs).where(eq(orgs.id, orgId));
    const parent = current?.parentId ? await lockOrg(tx, current.parentId) : null;
    const self = await lockOrg(tx, orgId);
    if (!self) throw new Error(`org ${orgId} vanished during an update`);
    if (patch.plan && patch.plan !== self.plan) {
      if (parent && !planWithin(patch.plan, parent.plan)) return { ok: false, reason: 'plan_above_parent', parentPlan: parent.plan };
      const children = await tx.select({ id: orgs.id, name: orgs.name, plan: orgs.plan }).from(orgs).where(eq(orgs.parentId, orgId));
      const above = children.find((c) => !planWithin(c.plan, patch.plan!));
      if (above) return { ok: false, reason: 'plan_below_child', child: above };
    }
    const set = { ...(patch.name !== undefined ? { name: patch.name } : {}), ...(patch.plan !== undefined ? { plan: patch.plan } : {}) };
    if (Object.keys(set).length === 0) return { ok: true, org: self };
    const [org] = await tx.update(orgs).set(set).where(eq(orgs.id, orgId)).returning();
    return { ok: true, org };
  });
}

export async function listChildOrgs(db: Db, orgId: string): Promise<Org[]> {
  return db.select().from(orgs).where(eq(orgs.parentId, orgId)).orderBy(asc(orgs.name));
}

export type MemberRow = { userId: string; email: string; name: string; role: Role; createdAt: Date };

export async function listMembers(db: Db, orgId: string): Promise<MemberRow[]> {
  return db
    .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, createdAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(asc(users.email));
}

/** Adds or changes a membership (upsert). */
export async function setMembership(db: Db, orgId: string, userId: string, role: Role): Promise<void> {
  await db
    .insert(memberships)
    .values({ orgId, userId, role })
    .onConflictDoUpdate({ target: [memberships.orgId, memberships.userId], set: { role } });
}

/** Adds the membership unless the user already has one in the org (then false, and nothing changes). */
export async function insertMembership(db: Db, orgId: string, userId: string, role: Role): Promise<boolean> {
  const rows = await db.insert(memberships).values({ orgId, userId, role }).onConflictDoNothing().returning({ userId: memberships.userId });
  return rows.length > 0;
}

export async function removeMembership(db: Db, orgId: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .returning();
  return rows.length > 0;
}

export async function findMembership(db: Db, orgId: string, userId: string): Promise<{ role: Role } | null> {
  const [m] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
  return m ?? null;
}

export async function countOwners(db: Db, orgId: string): Promise<number> {
  const rows = await db
    .select()
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.role, 'owner')));
  return rows.length;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
