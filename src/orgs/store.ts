import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { isUuid, queryRows, type Db } from '../db/client';
import { users } from '../accounts/schema';
import { MAX_ORG_DEPTH, ROLES, memberships, orgs, type Org, type Plan, type Role } from './schema';

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
  const list = await db.select().from(orgs).where(inArray(orgs.id, [...best.keys()])).orderBy(asc(orgs.depth), asc(orgs.name));
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
    for (const o of all) if (o.parentId && ids.has(o.parentId) && !ids.has(o.id)) (ids.add(o.id), (grew = true));
  }
  return all.filter((o) => ids.has(o.id));
}

export type CreateOrgResult = { ok: true; org: Org } | { ok: false; reason: 'too_deep' };

export async function createOrg(db: Db, input: { name: string; parent?: Org | null; plan?: Plan }): Promise<CreateOrgResult> {
  const depth = input.parent ? input.parent.depth + 1 : 0;
  if (depth > MAX_ORG_DEPTH) return { ok: false, reason: 'too_deep' };
  const [org] = await db
    .insert(orgs)
    .values({ name: input.name, parentId: input.parent?.id ?? null, depth, plan: input.plan ?? 'free' })
    .returning();
  return { ok: true, org };
}

export async function updateOrg(db: Db, orgId: string, patch: { name?: string; plan?: Plan }): Promise<Org> {
  const [org] = await db.update(orgs).set(patch).where(eq(orgs.id, orgId)).returning();
  return org;
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
  const rows = await db.delete(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId))).returning();
  return rows.length > 0;
}

export async function findMembership(db: Db, orgId: string, userId: string): Promise<{ role: Role } | null> {
  const [m] = await db.select({ role: memberships.role }).from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
  return m ?? null;
}

export async function countOwners(db: Db, orgId: string): Promise<number> {
  const rows = await db.select().from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.role, 'owner')));
  return rows.length;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
