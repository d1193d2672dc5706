import type { Db } from '../db/client';
import type { Caller } from '../http/caller';
import { notFound } from '../http/errors';
import { requireOrg } from '../orgs/access';
import type { Role } from '../orgs/schema';
import type { NotificationChannel } from './schema';
import { findChannel } from './store';

/**
 * The channel by id if it belongs to the caller's scope, with at least `minRole` in its org to act on it.
 * Outside the scope (or no such channel) is 404; visible with too weak a role is 403.
 */
export async function requireChannel(db: Db, caller: Caller, id: string, minRole: Role = 'viewer'): Promise<NotificationChannel> {
  const channel = await findChannel(db, id, caller.scopeOrgIds);
  if (!channel) throw notFound('channel');
  requireOrg(caller, channel.orgId, minRole);
  return channel;
}
