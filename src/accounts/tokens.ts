// API tokens as the UI and the JSON API both issue and revoke them: validated, stored hashed, audited.
import type { Db } from '../db/client';
import { badRequest, notFound } from '../http/errors';
import { recordAudit } from '../audit/store';
import { primaryOrgId } from './login';
import type { ApiToken } from './schema';
import { createApiToken, revokeApiToken } from './store';

type Actor = { user: { id: string; email: string } };

/** Creates a token named `name` for the caller; the secret is in the answer only, never stored. */
export async function issueApiToken(db: Db, caller: Actor, name: string, ip: string | null): Promise<{ token: string; row: ApiToken }> {
  const trimmed = name.trim();
  if (!trimmed) throw badRequest('name: must not be empty');
  const created = await createApiToken(db, caller.user.id, trimmed);
  await recordAudit(db, { orgId: await primaryOrgId(db, caller.user.id), actorUserId: caller.user.id, actor: caller.user.email, action: 'token.create', target: `niro_pat_${created.row.publicId}`, details: { name: trimmed }, ip });
  return created;
}

/** Revokes one of the caller's own tokens; anyone else's (or a malformed id) is a 404. */
export async function withdrawApiToken(db: Db, caller: Actor, id: string, ip: string | null): Promise<ApiToken> {
  const row = await revokeApiToken(db, caller.user.id, id).catch(() => null);
  if (!row) throw notFound('token');
  await recordAudit(db, { orgId: await primaryOrgId(db, caller.user.id), actorUserId: caller.user.id, actor: caller.user.email, action: 'token.revoke', target: `niro_pat_${row.publicId}`, ip });
  return row;
}
