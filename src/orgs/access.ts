import type { Caller } from '../http/caller';
import { forbidden, notFound } from '../http/errors';
import { roleAtLeast, type VisibleOrg } from './store';
import type { Role } from './schema';

/**
 * The org by id if the caller can see it, with at least `minRole` to act on it.
 * Invisible and nonexistent orgs are the same 404; visible but too weak a role is 403.
 */
export function requireOrg(caller: Caller, orgId: string, minRole: Role = 'viewer'): VisibleOrg {
  const org = caller.orgs.find((o) => o.id === orgId);
  if (!org) throw notFound('organization');
  if (!roleAtLeast(org.role, minRole)) throw forbidden(`this needs the ${minRole} role in ${org.name}`);
  return org;
}

/** The org new things are created in when the request names none: the current org, else the caller's top org. */
export function defaultOrg(caller: Caller): VisibleOrg | null {
  return caller.currentOrg ?? caller.orgs[0] ?? null;
}
