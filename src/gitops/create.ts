// A new deployment whose manifests come from Git (what an Argo CD Application is): the source is fetched and rendered
// first, so a wrong URL, token, ref or path is refused before anything is stored; then the deployment is created with
// revision 1 recording the commit, and its source is saved (secrets sealed). With auto-apply, revision 1 is applied.
import type { Actor } from '../audit/store';
import { createDeployment } from '../deployments/service';
import { applyRevision } from '../deployments/apply';
import type { Deployment } from '../deployments/schema';
import type { TargetSelector } from '../deployments/vocabulary';
import { fetchCommit, type GitCredentials } from './git';
import { renderPath } from './render';
import { checkSourceInput, saveSource, type SourceInput } from './sources';
import { finishSync } from './store';
import type { GitSource } from './schema';
import { nextSyncAfter, type SyncDeps } from './sync';

export type GitDeploymentInput = { orgId: string; name: string; namespace: string; targets: TargetSelector; git: SourceInput };

export type GitDeploymentOutcome = { ok: true; deployment: Deployment; source: GitSource } | { ok: false; field: string; message: string };

function credentialsFrom(git: SourceInput, auth: 'none' | 'token' | 'ssh', username: string | null, knownHosts: string | null): GitCredentials {
  if (auth === 'token') return { kind: 'token', username: username ?? 'x-access-token', token: git.token ?? '' };
  if (auth === 'ssh') return { kind: 'ssh', privateKey: git.sshKey ?? '', knownHosts };
  return { kind: 'none' };
}

export async function createGitDeployment(deps: SyncDeps, actor: Actor, input: GitDeploymentInput, now = new Date()): Promise<GitDeploymentOutcome> {
  const checked = checkSourceInput(input.git, null, deps.git.allowFileUrls);
  if (!checked.ok) return { ok: false, field: `git.${checked.field}`, message: `git.${checked.message}` };
  const v = checked.value;
  const checkout = await fetchCommit({ url: v.url, ref: v.ref, credentials: credentialsFrom(input.git, v.auth, v.username, v.knownHosts) }, deps.git);
  if (!checkout.ok) return { ok: false, field: 'git.url', message: `git: ${checkout.message}` };
  let rendered;
  try {
    rendered = await renderPath(checkout.dir, v.path, deps.render);
  } finally {
    await checkout.cleanup();
  }
  if (!rendered.ok) return { ok: false, field: 'git.path', message: `git: at ${checkout.commit.slice(0, 12)}: ${rendered.message}` };
  const created = await createDeployment(deps.db, actor, {
    orgId: input.orgId,
    name: input.name,
    namespace: input.namespace,
    targets: input.targets,
    manifests: rendered.manifests,
    source: 'git',
    gitCommit: checkout.commit,
    message: `${v.ref} at ${checkout.commit.slice(0, 12)}`,
  });
  if (!created.ok) return created;
  const saved = await saveSource(deps.db, deps.box, actor, created.deployment, input.git, { allowFileUrls: deps.git.allowFileUrls, now });
  // Checked above: the same input cannot be refused now.
  if (!saved.ok) throw new Error(`git source refused after checking: ${saved.message}`);
  let status: GitSource['status'] = 'out_of_sync';
  let error: string | null = null;
  if (v.autoApply) {
    const applied = await applyRevision(deps.db, deps.signals, actor, created.deployment.id, 1, null);
    if (applied.ok) status = 'synced';
    else [status, error] = ['failed', `revision 1 was made but not applied: ${applied.message}`];
  }
  const next = nextSyncAfter(v.intervalSeconds, now);
  await finishSync(deps.db, saved.source.id, { status, error, lastCommit: checkout.commit, lastRevision: 1, lastSyncedAt: now }, next);
  return {
    ok: true,
    deployment: created.deployment,
    source: { ...saved.source, status, error, lastCommit: checkout.commit, lastRevision: 1, lastSyncedAt: now, nextSyncAt: next },
  };
}
