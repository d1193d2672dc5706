import type { Db } from '../db/client';
import type { Caller } from '../http/caller';
import { notFound } from '../http/errors';
import { requireOrg } from '../orgs/access';
import type { Role } from '../orgs/schema';
import type { Registry } from './schema';
import { findRegistry } from './store';

/**
 * The registry by id if it belongs to the caller's scope, with at least `minRole` in its org to act on it.
 * Outside the scope (or no such registry) is 404; visible with too weak a role is 403.
 */
export async function requireRegistry(db: Db, caller: Caller, id: string, minRole: Role = 'viewer'): Promise<Registry> {
  const registry = await findRegistry(db, id, caller.scopeOrgIds);
  if (!registry) throw notFound('registry');
  requireOrg(caller, registry.orgId, minRole);
  return registry;
}
