import type { Db } from '../db/client';
import type { Caller } from '../http/caller';
import { forbidden, notFound } from '../http/errors';
import { roleAtLeast, type VisibleOrg } from '../orgs/store';
import type { Role } from '../orgs/schema';
import { findCluster } from './store';
import type { Cluster } from './schema';

/**
 * The one scope check for a cluster id: a cluster outside the caller's visible orgs is a 404, the
 * same as one that does not exist; visible with too weak a role is a 403.
 */
export async function requireCluster(db: Db, caller: Caller, id: string, minRole: Role = 'viewer'): Promise<{ cluster: Cluster; org: VisibleOrg }> {
  const cluster = await findCluster(
    db,
    id,
    caller.orgs.map((o) => o.id),
  );
  const org = cluster && caller.orgs.find((o) => o.id === cluster.orgId);
  if (!cluster || !org) throw notFound('cluster');
  if (!roleAtLeast(org.role, minRole)) throw forbidden(`this needs the ${minRole} role in ${org.name}`);
  return { cluster, org };
}

/** Orgs (within the caller's current scope) where the caller may create clusters. */
export function orgsForNewClusters(caller: Caller): VisibleOrg[] {
  return caller.orgs.filter((o) => caller.scopeOrgIds.includes(o.id) && roleAtLeast(o.role, 'member'));
}
