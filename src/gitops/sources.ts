// A deployment's Git source: validated before any write, credentials and the webhook secret sealed at rest (never
// returned), every change audited. What the API and the pages show of a source is `sourceJson`.
import type { Db } from '../db/client';
import { recordAudit, type Actor } from '../audit/store';
import type { SecretBox } from '../security/encryption';
import type { Deployment } from '../deployments/schema';
import { gitRefProblem, gitUrlProblem, type GitCredentials } from './git';
import { normalizeRepoPath, repoPathProblem } from './render';
import { deleteSource, findSourceOfDeployment, insertSource, updateSource, type SourcePatch } from './store';
import type { GitSource } from './schema';
import { DEFAULT_SYNC_INTERVAL_SECONDS, type GitAuth, type SyncStatus } from './vocabulary';

/** A source as a client writes it. Secrets left out of an edit keep their value; `null` clears one. */
export type SourceInput = {
  url?: string;
  ref?: string;
  path?: string;
  auth?: GitAuth;
  username?: string;
  token?: string;
  sshKey?: string;
  knownHosts?: string | null;
  webhookSecret?: string | null;
  autoApply?: boolean;
  intervalSeconds?: number;
};

export type SourceRefusal = { ok: false; field: string; message: string };

const MIN_WEBHOOK_SECRET = 16;

export const credentialContext = (id: string): string => `git-source:${id}:credential`;
export const webhookContext = (id: string): string => `git-source:${id}:webhook`;

/** The source as clients see it: settings and sync state; secrets only as "set" flags. */
export function sourceJson(s: GitSource) {
  return {
    id: s.id,
    deploymentId: s.deploymentId,
    url: s.url,
    ref: s.ref,
    path: s.path,
    auth: s.auth,
    username: s.username,
    credentialSet: s.credentialSealed !== null,
    knownHosts: s.knownHosts,
    webhookSecretSet: s.webhookSecretSealed !== null,
    webhookPath: `/v1/integrations/git/webhook/${s.id}`,
    autoApply: s.autoApply,
    intervalSeconds: s.intervalSeconds,
    status: s.status as SyncStatus,
    error: s.error,
    lastCommit: s.lastCommit,
    lastRevision: s.lastRevision,
    lastAttemptAt: s.lastAttemptAt?.toISOString() ?? null,
    lastSyncedAt: s.lastSyncedAt?.toISOString() ?? null,
    nextSyncAt: s.intervalSeconds > 0 ? s.nextSyncAt.toISOString() : null,
  };
}
export type SourceJson = ReturnType<typeof sourceJson>;

type Checked = {
  url: string;
  ref: string;
  path: string;
  auth: GitAuth;
  username: string | null;
  knownHosts: string | null;
  autoApply: boolean;
  intervalSeconds: number;
};

/** Checks `input` over `current` (null when creating); names the first bad field as the client sent it. */
export function checkSourceInput(input: SourceInput, current: GitSource | null, allowFileUrls: boolean): { ok: true; value: Checked } | SourceRefusal {
  const url = input.url ?? current?.url;
  if (url === undefined) return { ok: false, field: 'url', message: 'url: required' };
  const urlProblem = gitUrlProblem(url, allowFileUrls);
  if (urlProblem) return { ok: false, field: 'url', message: `url: ${urlProblem}` };
  const ref = input.ref ?? current?.ref ?? 'main';
  const refProblem = gitRefProblem(ref);
  if (refProblem) return { ok: false, field: 'ref', message: `ref: ${refProblem}` };
  const rawPath = input.path ?? current?.path ?? '';
  const pathProblem = repoPathProblem(rawPath);
  if (pathProblem) return { ok: false, field: 'path', message: `path: ${pathProblem}` };
  const auth = input.auth ?? current?.auth ?? (input.sshKey ? 'ssh' : input.token ? 'token' : 'none');
  if (input.token !== undefined && auth !== 'token') return { ok: false, field: 'token', message: 'token: only with auth "token"' };
  if (input.sshKey !== undefined && auth !== 'ssh') return { ok: false, field: 'sshKey', message: 'sshKey: only with auth "ssh"' };
  const keepsCredential = current !== null && current.auth === auth && current.credentialSealed !== null;
  if (auth === 'token') {
    if (input.token === undefined && !keepsCredential) return { ok: false, field: 'token', message: 'token: required with auth "token"' };
    if (input.token !== undefined && (input.token.length < 1 || input.token.length > 1024 || /\s/.test(input.token)))
      return { ok: false, field: 'token', message: 'token: 1 to 1024 characters without spaces' };
    if (url.startsWith('ssh://') || !url.includes('://'))
      return { ok: false, field: 'auth', message: 'auth: a token works over HTTPS; use "ssh" with an SSH URL' };
  }
  if (auth === 'ssh') {
    if (input.sshKey === undefined && !keepsCredential) return { ok: false, field: 'sshKey', message: 'sshKey: required with auth "ssh"' };
    if (input.sshKey !== undefined && !/^-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+-----END [A-Z ]*PRIVATE KEY-----\s*$/.test(input.sshKey.trim()))
      return { ok: false, field: 'sshKey', message: 'sshKey: a private key in OpenSSH or PEM format (-----BEGIN … PRIVATE KEY-----)' };
    if (/^https?:\/\//.test(url)) return { ok: false, field: 'auth', message: 'auth: a deploy key works over SSH; use "token" with an HTTPS URL' };
  }
  const username = auth === 'token' ? (input.username ?? current?.username ?? 'x-access-token') : null;
  if (username !== null && (username.length < 1 || username.length > 100 || /[\s:]/.test(username)))
    return { ok: false, field: 'username', message: 'username: 1 to 100 characters, no spaces or colons' };
  const knownHosts = auth === 'ssh' ? (input.knownHosts === undefined ? (current?.knownHosts ?? null) : input.knownHosts) : null;
  if (knownHosts !== null && (knownHosts.length > 16_384 || knownHosts.includes('\u0000')))
    return { ok: false, field: 'knownHosts', message: 'knownHosts: at most 16384 characters of known_hosts lines' };
  if (input.webhookSecret && (input.webhookSecret.length < MIN_WEBHOOK_SECRET || input.webhookSecret.length > 256))
    return { ok: false, field: 'webhookSecret', message: `webhookSecret: ${MIN_WEBHOOK_SECRET} to 256 characters` };
  const intervalSeconds = input.intervalSeconds ?? current?.intervalSeconds ?? DEFAULT_SYNC_INTERVAL_SECONDS;
  if (!Number.isInteger(intervalSeconds) || (intervalSeconds !== 0 && (intervalSeconds < 30 || intervalSeconds > 86_400)))
    return { ok: false, field: 'intervalSeconds', message: 'intervalSeconds: 0 (no schedule) or 30 to 86400' };
  return {
    ok: true,
    value: {
      url,
      ref,
      path: normalizeRepoPath(rawPath) ?? '',
      auth,
      username,
      knownHosts,
      autoApply: input.autoApply ?? current?.autoApply ?? false,
      intervalSeconds,
    },
  };
}

/** Opens a source's credentials; null when they cannot be opened (another NIRO_SECRET). */
export function credentialsOf(box: SecretBox, s: GitSource): GitCredentials | null {
  if (s.auth === 'none' || s.credentialSealed === null) return s.auth === 'none' ? { kind: 'none' } : null;
  const opened = box.open(s.credentialSealed, credentialContext(s.id));
  if (!opened.ok) return null;
  return s.auth === 'token'
    ? { kind: 'token', username: s.username ?? 'x-access-token', token: opened.plaintext }
    : { kind: 'ssh', privateKey: opened.plaintext, knownHosts: s.knownHosts };
}

export function webhookSecretOf(box: SecretBox, s: GitSource): string | null {
  if (s.webhookSecretSealed === null) return null;
  const opened = box.open(s.webhookSecretSealed, webhookContext(s.id));
  return opened.ok ? opened.plaintext : null;
}

/**
 * Creates the deployment's source, or changes it. A changed URL, ref or path makes the next sync due at once (and
 * forgets the last commit, so it makes a revision even if the commit is the same).
 */
export async function saveSource(
  db: Db,
  box: SecretBox,
  actor: Actor,
  deployment: Deployment,
  input: SourceInput,
  opts: { allowFileUrls: boolean; now: Date },
): Promise<{ ok: true; source: GitSource; created: boolean } | SourceRefusal> {
  return db.transaction(async (tx) => {
    const current = await findSourceOfDeployment(tx, deployment.id);
    const checked = checkSourceInput(input, current, opts.allowFileUrls);
    if (!checked.ok) return checked;
    const v = checked.value;
    const source =
      current ??
      (await insertSource(tx, {
        deploymentId: deployment.id,
        orgId: deployment.orgId,
        url: v.url,
        ref: v.ref,
        path: v.path,
        createdBy: actor.userId,
        nextSyncAt: opts.now,
      }));
    const moved = current !== null && (current.url !== v.url || current.ref !== v.ref || current.path !== v.path);
    const patch: SourcePatch = { ...v };
    if (moved) Object.assign(patch, { nextSyncAt: opts.now, lastCommit: null, status: 'pending', error: null } satisfies SourcePatch);
    if (v.auth === 'none') patch.credentialSealed = null;
    else if (input.token !== undefined) patch.credentialSealed = box.seal(input.token, credentialContext(source.id));
    else if (input.sshKey !== undefined) patch.credentialSealed = box.seal(input.sshKey.trim(), credentialContext(source.id));
    else if (current && current.auth !== v.auth) patch.credentialSealed = null;
    if (input.webhookSecret === null || input.webhookSecret === '') patch.webhookSecretSealed = null;
    else if (input.webhookSecret !== undefined) patch.webhookSecretSealed = box.seal(input.webhookSecret, webhookContext(source.id));
    const saved = (await updateSource(tx, source.id, patch))!;
    await recordAudit(tx, {
      orgId: deployment.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: current ? 'deployment.git_source_changed' : 'deployment.git_source_set',
      target: deployment.id,
      ip: actor.ip,
      // Which secrets changed, never their values.
      details: {
        url: v.url,
        ref: v.ref,
        path: v.path,
        auth: v.auth,
        autoApply: v.autoApply,
        intervalSeconds: v.intervalSeconds,
        credentialChanged: input.token !== undefined || input.sshKey !== undefined,
        webhookSecretChanged: input.webhookSecret !== undefined,
      },
    });
    return { ok: true, source: saved, created: current === null };
  });
}

/** Detaches Git from the deployment: its revisions stay, nothing syncs any more. */
export async function removeSource(db: Db, actor: Actor, deployment: Deployment, source: GitSource): Promise<void> {
  await db.transaction(async (tx) => {
    await deleteSource(tx, source.id);
    await recordAudit(tx, {
      orgId: deployment.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'deployment.git_source_removed',
      target: deployment.id,
      ip: actor.ip,
      details: { url: source.url },
    });
  });
}
