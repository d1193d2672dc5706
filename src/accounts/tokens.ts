// API tokens as the UI and the JSON API both issue and revoke them: validated, stored hashed, audited.
import type { Db } from '../db/client';
import { recordAudit, type Actor } from '../audit/store';
import { primaryOrgId } from './login';
import type { ApiToken } from './schema';
import { createApiToken, revokeApiToken } from './store';

export type IssueTokenResult = { ok: true; token: string; row: ApiToken } | { ok: false; reason: 'empty_name' };

/** Creates a token named `name` for the caller; the secret is in the answer only, never stored. */
export async function issueApiToken(db: Db, actor: Actor, name: string): Promise<IssueTokenResult> {
  const trimmed = name.trim();
  if (!trimmed) return { ok: false, reason: 'empty_name' };
  const created = await createApiToken(db, actor.userId, trimmed);
  await recordAudit(db, { orgId: await primaryOrgId(db, actor.userId), actorUserId: actor.userId, actor: actor.email, action: 'token.create', target: `niro_pat_${created.row.publicId}`, details: { name: trimmed }, ip: actor.ip });
  return { ok: true, ...created };
}

/** Revokes one of the caller's own tokens; null when the caller has none with this id (anyone else's, a malformed id). */
export async function withdrawApiToken(db: Db, actor: Actor, id: string): Promise<ApiToken | null> {
  const row = await revokeApiToken(db, actor.userId, id).catch(() => null);
  if (!row) return null;
  await recordAudit(db, { orgId: await primaryOrgId(db, actor.userId), actorUserId: actor.userId, actor: actor.email, action: 'token.revoke', target: `niro_pat_${row.publicId}`, ip: actor.ip });
  return row;
}
