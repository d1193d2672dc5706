import type { Db } from '../db/client';
import type { Caller } from '../http/caller';
import { forbidden, notFound } from '../http/errors';
import { roleAtLeast, type VisibleOrg } from '../orgs/store';
import type { Role } from '../orgs/schema';
import { findDeployment } from './store';
import type { Deployment } from './schema';

/**
 * The one scope check for a deployment id: one outside the caller's visible orgs is a 404, the same as one that
 * does not exist; visible with too weak a role is a 403.
 */
export async function requireDeployment(db: Db, caller: Caller, id: string, minRole: Role = 'viewer'): Promise<{ deployment: Deployment; org: VisibleOrg }> {
  const deployment = await findDeployment(
    db,
    id,
    caller.orgs.map((o) => o.id),
  );
  const org = deployment && caller.orgs.find((o) => o.id === deployment.orgId);
  if (!deployment || !org) throw notFound('deployment');
  if (!roleAtLeast(org.role, minRole)) throw forbidden(`this needs the ${minRole} role in ${org.name}`);
  return { deployment, org };
}
