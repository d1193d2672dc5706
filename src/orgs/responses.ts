// What the orgs API answers: orgs of the caller's tree and their members.
import { t } from 'elysia';
import { Count, Exact, Nullable, OneOf, OneOfOrNull, Timestamp } from '../http/responses';
import { PLANS, ROLES } from './schema';

export const OrgJson = Exact({
  id: t.String(),
  name: t.String(),
  parentId: Nullable(t.String()),
  plan: OneOf(PLANS),
  depth: Count({ description: '0 for a root org' }),
  role: OneOfOrNull(ROLES, { description: 'The caller’s role here; null where the route does not resolve it (children)' }),
  createdAt: Timestamp,
});
export type OrgJson = typeof OrgJson.static;

export const OrgList = Exact({ orgs: t.Array(OrgJson) });
export type OrgList = typeof OrgList.static;

export const MemberJson = Exact({ userId: t.String(), email: t.String(), name: t.String(), role: OneOf(ROLES), since: Timestamp });
export type MemberJson = typeof MemberJson.static;

export const MemberList = Exact({ members: t.Array(MemberJson) });
export type MemberList = typeof MemberList.static;

export const MemberAdded = Exact({
  ok: t.Literal(true),
  userId: t.String(),
  email: t.String(),
  role: OneOf(ROLES),
  temporaryPassword: Nullable(t.String({ description: 'Set when the email had no account: one was created with this password, shown once' })),
});
export type MemberAdded = typeof MemberAdded.static;
