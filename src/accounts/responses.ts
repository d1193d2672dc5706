// What the account API answers: the caller, and API tokens (never their secret, except once at creation).
import { t } from 'elysia';
import { Exact, Nullable, OneOf, OneOfOrNull, Timestamp } from '../http/responses';
import { PLANS, ROLES } from '../orgs/schema';
import { TOKEN_SCOPES } from './schema';

export const TokenJson = Exact({
  id: t.String(),
  name: t.String(),
  prefix: t.String({ description: 'Identifies the token without revealing it: niro_pat_<publicId>' }),
  scope: OneOf(TOKEN_SCOPES, { description: '`read`: GET/HEAD/OPTIONS only (any other method answers 403); `write`: everything the user may do' }),
  createdAt: Timestamp,
  expiresAt: Nullable(Timestamp, { description: 'null: never expires' }),
  lastUsedAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
});
export type TokenJson = typeof TokenJson.static;

export const TokenList = Exact({ tokens: t.Array(TokenJson) });
export type TokenList = typeof TokenList.static;

export const TokenCreated = Exact({
  ...TokenJson.properties,
  token: t.String({ description: 'The whole token, shown this once: niro_pat_<publicId>_<secret>' }),
});
export type TokenCreated = typeof TokenCreated.static;

export const MeJson = Exact({
  id: t.String(),
  email: t.String(),
  name: t.String(),
  authenticatedBy: OneOf(['session', 'token'] as const),
  tokenScope: OneOfOrNull(TOKEN_SCOPES, { description: 'The scope of the API token the request came with; null for a browser session' }),
  orgs: t.Array(
    Exact({
      id: t.String(),
      name: t.String(),
      parentId: Nullable(t.String()),
      role: OneOf(ROLES, { description: 'The caller’s role, inherited from the nearest membership up the tree' }),
      plan: OneOf(PLANS),
    }),
    { description: 'Every org the caller can see: their memberships and all descendants' },
  ),
});
export type MeJson = typeof MeJson.static;
