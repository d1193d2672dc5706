// API tokens as the UI and the JSON API both issue and revoke them: validated, stored hashed, audited.
import type { Db } from '../db/client';
import { badRequest, notFound } from '../http/errors';
import { recordAudit } from '../audit/store';
import { primaryOrgId } from './login';
import type { ApiToken, TokenScope } from './schema';
import { createApiToken, revokeApiToken } from './store';

type Actor = { user: { id: string; email: string } };

/** Longest lifetime a token may be given; without one it lasts until revoked. */
export const MAX_TOKEN_DAYS = 3650;

export type TokenRequest = { name: string; scope?: TokenScope; expiresInDays?: number | null };

/** Creates a token for the caller (write scope and no expiry unless asked); the secret is in the answer only, never stored. */
export async function issueApiToken(db: Db, caller: Actor, input: TokenRequest, ip: string | null): Promise<{ token: string; row: ApiToken }> {
  const name = input.name.trim();
  if (!name) throw badRequest('name: must not be empty');
  const days = input.expiresInDays ?? null;
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS)) throw badRequest(`expiresInDays: must be a whole number from 1 to ${MAX_TOKEN_DAYS}`);
  const scope = input.scope ?? 'write';
  const expiresAt = days === null ? null : new Date(Date.now() + days * 24 * 3600 * 1000);
  const created = await createApiToken(db, caller.user.id, name, { scope, expiresAt });
  await recordAudit(db, {
    orgId: await primaryOrgId(db, caller.user.id),
    actorUserId: caller.user.id,
    actor: caller.user.email,
    action: 'token.create',
    target: `niro_pat_${created.row.publicId}`,
    details: { name, scope, expiresAt: expiresAt?.toISOString() ?? null },
    ip,
  });
  return created;
}

/** Revokes one of the caller's own tokens; anyone else's (or a malformed id) is a 404. */
export async function withdrawApiToken(db: Db, caller: Actor, id: string, ip: string | null): Promise<ApiToken> {
  const row = await revokeApiToken(db, caller.user.id, id).catch(() => null);
  if (!row) throw notFound('token');
  await recordAudit(db, { orgId: await primaryOrgId(db, caller.user.id), actorUserId: caller.user.id, actor: caller.user.email, action: 'token.revoke', target: `niro_pat_${row.publicId}`, ip });
  return row;
}
