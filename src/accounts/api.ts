import { Elysia, t } from 'elysia';
import type { AppDeps } from '../app';
import { clientIp, requireCaller } from '../http/caller';
import { listApiTokens } from './store';
import { issueApiToken, withdrawApiToken } from './tokens';
import { TOKEN_SCOPES, type ApiToken } from './schema';
import { MAX_TOKEN_DAYS } from './tokens';

const TokenJson = t.Object({
  id: t.String(),
  name: t.String(),
  prefix: t.String({ description: 'Identifies the token without revealing it: niro_pat_<publicId>' }),
  scope: t.Union(TOKEN_SCOPES.map((s) => t.Literal(s)), { description: '`read`: GET/HEAD/OPTIONS only (any other method answers 403); `write`: everything the user may do' }),
  createdAt: t.String(),
  expiresAt: t.Union([t.String(), t.Null()], { description: 'null: never expires' }),
  lastUsedAt: t.Union([t.String(), t.Null()]),
  revokedAt: t.Union([t.String(), t.Null()]),
});

function tokenJson(row: ApiToken): typeof TokenJson.static {
  return {
    id: row.id,
    name: row.name,
    prefix: `niro_pat_${row.publicId}`,
    scope: row.scope,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export function accountsApi(deps: AppDeps) {
  const { db } = deps;
  return new Elysia({ name: 'accounts-api', prefix: '/v1' })
    .get(
      '/me',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        return {
          id: caller.user.id,
          email: caller.user.email,
          name: caller.user.name,
          authenticatedBy: caller.via,
          tokenScope: caller.token?.scope ?? null,
          orgs: caller.orgs.map((o) => ({ id: o.id, name: o.name, parentId: o.parentId, role: o.role, plan: o.plan })),
        };
      },
      { detail: { tags: ['account'], summary: 'The caller and the orgs they can see' } },
    )
    .get(
      '/tokens',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        return { tokens: (await listApiTokens(db, caller.user.id)).map(tokenJson) };
      },
      { detail: { tags: ['account'], summary: "List the caller's API tokens (never the secrets)" } },
    )
    .post(
      '/tokens',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { token, row } = await issueApiToken(db, caller, ctx.body, clientIp(ctx.request, ctx.server, deps.config.trustProxy));
        ctx.set.status = 201;
        return { ...tokenJson(row), token };
      },
      {
        body: t.Object(
          {
            name: t.String({ minLength: 1, maxLength: 100 }),
            scope: t.Optional(t.Union(TOKEN_SCOPES.map((s) => t.Literal(s)), { description: 'default `write`; `read` may only GET' })),
            expiresInDays: t.Optional(t.Integer({ minimum: 1, maximum: MAX_TOKEN_DAYS, description: 'absent: the token lasts until revoked' })),
          },
          { additionalProperties: false },
        ),
        detail: { tags: ['account'], summary: 'Create an API token (optionally read-only, optionally expiring); the secret is in the response once' },
      },
    )
    .delete(
      '/tokens/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const row = await withdrawApiToken(db, caller, ctx.params.id, clientIp(ctx.request, ctx.server, deps.config.trustProxy));
        return tokenJson(row);
      },
      { detail: { tags: ['account'], summary: 'Revoke an API token' } },
    );
}
