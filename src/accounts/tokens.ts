// API tokens as the UI and the JSON API both issue and revoke them: validated, stored hashed, audited.
import type { Db } from '../db/client';
import { recordAudit, type Actor } from '../audit/store';
import { primaryOrgId } from './login';
import type { ApiToken, TokenScope } from './schema';
import { createApiToken, revokeApiToken } from './store';

/** `bad_expiry`: expiresInDays is not a whole number from 1 to MAX_TOKEN_DAYS. */
export type IssueTokenResult = { ok: true; token: string; row: ApiToken } | { ok: false; reason: 'empty_name' | 'bad_expiry' };

/** Longest lifetime a token may be given; without one it lasts until revoked. */
export const MAX_TOKEN_DAYS = 3650;

export type TokenRequest = { name: string; scope?: TokenScope; expiresInDays?: number | null };

/** Creates a token for the caller (write scope and no expiry unless asked); the secret is in the answer only, never stored. */
export async function issueApiToken(db: Db, actor: Actor, input: TokenRequest): Promise<IssueTokenResult> {
  const name = input.name.trim();
  if (!name) return { ok: false, reason: 'empty_name' };
  const days = input.expiresInDays ?? null;
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS)) return { ok: false, reason: 'bad_expiry' };
  const scope = input.scope ?? 'write';
  const expiresAt = days === null ? null : new Date(Date.now() + days * 24 * 3600 * 1000);
  const created = await createApiToken(db, actor.userId, name, { scope, expiresAt });
  await recordAudit(db, {
    orgId: await primaryOrgId(db, actor.userId),
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'token.create',
    target: `niro_pat_${created.row.publicId}`,
    details: { name, scope, expiresAt: expiresAt?.toISOString() ?? null },
    ip: actor.ip,
  });
  return { ok: true, ...created };
}

/** Revokes one of the caller's own tokens; null when the caller has none with this id (anyone else's, a malformed id). */
export async function withdrawApiToken(db: Db, actor: Actor, id: string): Promise<ApiToken | null> {
  const row = await revokeApiToken(db, actor.userId, id).catch(() => null);
  if (!row) return null;
  await recordAudit(db, {
    orgId: await primaryOrgId(db, actor.userId),
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'token.revoke',
    target: `niro_pat_${row.publicId}`,
    ip: actor.ip,
  });
  return row;
}
