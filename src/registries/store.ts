// Queries of the registries domain: credentials scoped by org, and the lookups delivery needs (an org's line of
// ancestors, whether a user belongs to one of them).
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { isUuid, queryRows, type Db } from '../db/client';
import { memberships } from '../orgs/schema';
import { registries, type Registry } from './schema';

export type NewRegistry = {
  id: string;
  orgId: string;
  name: string;
  server: string;
  username: string;
  sealedPassword: string;
  createdBy: string | null;
};

export async function insertRegistry(db: Db, input: NewRegistry, now: Date): Promise<Registry> {
  const [row] = await db
    .insert(registries)
    .values({ ...input, createdAt: now, updatedAt: now, rotatedAt: now })
    .returning();
  return row;
}

export type RegistryPatch = { name: string; server: string; username: string; sealedPassword?: string };

/** Null when the row is gone. A new sealed password moves `rotatedAt`. */
export async function updateRegistry(db: Db, id: string, patch: RegistryPatch, now: Date): Promise<Registry | null> {
  const [row] = await db
    .update(registries)
    .set({ ...patch, updatedAt: now, ...(patch.sealedPassword ? { rotatedAt: now } : {}) })
    .where(eq(registries.id, id))
    .returning();
  return row ?? null;
}

export async function deleteRegistry(db: Db, id: string): Promise<void> {
  await db.delete(registries).where(eq(registries.id, id));
}

export async function countRegistries(db: Db, orgId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(registries).where(eq(registries.orgId, orgId));
  return Number(row?.n ?? 0);
}

/** The org's registry of that name (names are unique per org); null when none. */
export async function findRegistryByName(db: Db, orgId: string, name: string): Promise<Registry | null> {
  const [row] = await db
    .select()
    .from(registries)
    .where(and(eq(registries.orgId, orgId), eq(registries.name, name)));
  return row ?? null;
}

/** The registry if it belongs to one of `orgIds` (the caller's scope); null otherwise, as if it did not exist. */
export async function findRegistry(db: Db, id: string, orgIds: readonly string[]): Promise<Registry | null> {
  if (orgIds.length === 0 || !isUuid(id)) return null;
  const [row] = await db
    .select()
    .from(registries)
    .where(and(eq(registries.id, id), inArray(registries.orgId, [...orgIds])));
  return row ?? null;
}

/** Registries of these orgs, by org then name (at most MAX_REGISTRIES_PER_ORG each). */
export async function listRegistries(db: Db, orgIds: readonly string[]): Promise<Registry[]> {
  if (orgIds.length === 0) return [];
  return db
    .select()
    .from(registries)
    .where(inArray(registries.orgId, [...orgIds]))
    .orderBy(asc(registries.orgId), asc(registries.name));
}

/** Registries by id, whatever their org (delivery checks the org itself); unknown ids are absent. */
export async function findRegistriesByIds(db: Db, ids: readonly string[]): Promise<Registry[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  return db.select().from(registries).where(inArray(registries.id, valid));
}

/** The org and its ancestors, nearest first (the tree is at most MAX_ORG_DEPTH deep). */
export async function orgLine(db: Db, orgId: string): Promise<string[]> {
  const rows = await queryRows<{ id: string; depth: number }>(
    db,
    sql`with recursive up(id, parent_id, depth) as (
          select id, parent_id, depth from orgs where id = ${orgId}
          union all
          select o.id, o.parent_id, o.depth from orgs o join up on o.id = up.parent_id
        )
        select id, depth from up order by depth desc`,
  );
  return rows.map((r) => r.id);
}

/** Whether the user is a member of any of these orgs (any role). */
export async function isMemberOfAny(db: Db, userId: string, orgIds: readonly string[]): Promise<boolean> {
  if (orgIds.length === 0) return false;
  const [row] = await db
    .select({ orgId: memberships.orgId })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), inArray(memberships.orgId, [...orgIds])))
    .limit(1);
  return row !== undefined;
}

/**
 * Registries a deployment of `orgId` may pull with: those of the org and its ancestors that the caller can see
 * (delivery checks the same line again when it fills the Secret), by org then name.
 */
export async function listUsableRegistries(db: Db, orgId: string, scopeOrgIds: readonly string[]): Promise<Registry[]> {
  const line = await orgLine(db, orgId);
  return listRegistries(
    db,
    line.filter((id) => scopeOrgIds.includes(id)),
  );
}
