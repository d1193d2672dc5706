import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller } from '../http/caller';
import { badRequest, notFound } from '../http/errors';
import { OneOf } from '../http/responses';
import { listApiTokens } from './store';
import { issueApiToken, MAX_TOKEN_DAYS, withdrawApiToken } from './tokens';
import { TOKEN_SCOPES, type ApiToken } from './schema';
import { MeJson, TokenCreated, TokenJson, TokenList } from './responses';

function tokenJson(row: ApiToken): TokenJson {
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
      { response: { 200: MeJson }, detail: { tags: ['account'], summary: 'The caller and the orgs they can see' } },
    )
    .get(
      '/tokens',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        return { tokens: (await listApiTokens(db, caller.user.id)).map(tokenJson) };
      },
      { response: { 200: TokenList }, detail: { tags: ['account'], summary: "List the caller's API tokens (never the secrets)" } },
    )
    .post(
      '/tokens',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const issued = await issueApiToken(db, actorOf(caller, ctx, deps.config.trustProxy), ctx.body);
        if (!issued.ok)
          throw badRequest(issued.reason === 'empty_name' ? 'name: must not be empty' : `expiresInDays: must be a whole number from 1 to ${MAX_TOKEN_DAYS}`);
        ctx.set.status = 201;
        return { ...tokenJson(issued.row), token: issued.token };
      },
      {
        body: t.Object(
          {
            name: t.String({ minLength: 1, maxLength: 100 }),
            scope: t.Optional(OneOf(TOKEN_SCOPES, { description: 'default `write`; `read` may only GET' })),
            expiresInDays: t.Optional(t.Integer({ minimum: 1, maximum: MAX_TOKEN_DAYS, description: 'absent: the token lasts until revoked' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: TokenCreated },
        detail: { tags: ['account'], summary: 'Create an API token (optionally read-only, optionally expiring); the secret is in the response once' },
      },
    )
    .delete(
      '/tokens/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const row = await withdrawApiToken(db, actorOf(caller, ctx, deps.config.trustProxy), ctx.params.id);
        if (!row) throw notFound('token');
        return tokenJson(row);
      },
      { response: { 200: TokenJson }, detail: { tags: ['account'], summary: 'Revoke an API token' } },
    );
}
