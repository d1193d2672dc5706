// How the org rules' refusals reach the client, shared by the JSON API and the pages: each outcome a
// service returns as a value becomes the status and message that name what was refused.
import { HttpError, notFound } from '../http/errors';
import type { CreateOrgResult, UpdateOrgResult } from './store';

/** The error for an org create or plan change refused by the tree's rules (depth, plans within the parent's). */
export function orgRefusal(res: Exclude<CreateOrgResult | UpdateOrgResult, { ok: true }>): HttpError {
  switch (res.reason) {
    case 'too_deep':
      return new HttpError(422, 'too_deep', 'parentId: the org tree may not be deeper than 5 levels');
    case 'plan_above_parent':
      return new HttpError(422, 'plan_above_parent', `plan: may not exceed the parent organization's plan (${res.parentPlan})`);
    case 'plan_below_child':
      return new HttpError(409, 'plan_below_child', `plan: the child organization "${res.child.name}" has plan ${res.child.plan}; lower it first`);
  }
}

/** The error for a membership change refused by the org's rules. */
export function memberRefusal(reason: 'not_member' | 'last_owner' | 'owner_only' | 'already_member'): HttpError {
  if (reason === 'not_member') return notFound('member');
  if (reason === 'already_member')
    return new HttpError(409, 'already_member', 'email: already a member; change their role with PATCH /v1/orgs/{id}/members/{userId}');
  if (reason === 'owner_only') return new HttpError(403, 'owner_only', 'role: only an owner can make, change or remove an owner');
  return new HttpError(409, 'last_owner', 'an org must keep at least one owner');
}
