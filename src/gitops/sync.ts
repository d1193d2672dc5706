// Syncing a deployment from Git: fetch the tracked ref's commit, render the path, and when the manifests differ from
// the deployment's latest revision make a new revision recording the commit; with auto-apply, apply it to the
// deployment's clusters, otherwise show "out of sync with Git at <commit>" until someone applies it.
//
// A sync runs under a lease on the source row (claimSource), so a schedule tick, a webhook and a click never sync
// the same source twice at once, on one replica or several. Every outcome is written back: synced, out_of_sync, or
// failed with the Git or render error (the previous good commit stays recorded).
import type { Db } from '../db/client';
import { logDatabaseAway } from '../db/jobs';
import type { Logger } from '../log';
import type { SecretBox } from '../security/encryption';
import type { CommandSignals } from '../commands/signals';
import type { Actor } from '../audit/store';
import { recordAudit } from '../audit/store';
import { findDeployment, listTargets } from '../deployments/store';
import { createRevision } from '../deployments/service';
import { applyRevision } from '../deployments/apply';
import { fetchCommit, type GitLimits } from './git';
import { renderPath, type RenderLimits } from './render';
import { claimDueSources, claimSource, deleteSource, finishSync, pruneDeliveries } from './store';
import { credentialsOf } from './sources';
import type { GitSource } from './schema';
import type { SyncStatus } from './vocabulary';

export type SyncDeps = {
  db: Db;
  box: SecretBox;
  signals: CommandSignals;
  log: Logger;
  git: GitLimits;
  render: RenderLimits;
};

export type SyncTrigger = 'schedule' | 'manual' | 'webhook';

export type SyncOutcome = {
  status: SyncStatus;
  commit: string | null;
  /** The revision the commit made or matched; null when the sync failed before that. */
  revision: number | null;
  /** Whether this sync made a new revision. */
  created: boolean;
  /** Whether it queued an apply (auto-apply). */
  applied: boolean;
  error: string | null;
};

/**
 * Who a sync acts as in revisions and the audit log: the person who clicked; for scheduled and webhook syncs, Niro on
 * behalf of whoever set the source up (a revision names an account that made it). Null when that account is gone.
 */
function actorFor(source: GitSource, actor: Actor | null): Actor | null {
  if (actor) return actor;
  return source.createdBy ? { userId: source.createdBy, email: 'niro (Git sync)', ip: null } : null;
}

/** The longest a sync can hold its lease: fetch (ls-remote, fetch, checkout) and render, with room to spare. */
function leaseMs(deps: SyncDeps): number {
  return 4 * deps.git.timeoutMs + deps.render.timeoutMs + 60_000;
}

/** When the scheduler comes back to a source syncing every `intervalSeconds` after a sync that began at `from`. */
export function nextSyncAfter(intervalSeconds: number, from: Date): Date {
  // No schedule: far enough that it never comes due; a webhook or a click sets it to now.
  const seconds = intervalSeconds > 0 ? intervalSeconds : 100 * 365 * 86_400;
  return new Date(from.getTime() + seconds * 1000);
}

/** Syncs `sourceId` now unless a sync of it is running (then `busy`). */
export async function syncNow(
  deps: SyncDeps,
  sourceId: string,
  trigger: SyncTrigger,
  actor: Actor | null,
  now = new Date(),
): Promise<SyncOutcome | { busy: true }> {
  const claimed = await claimSource(deps.db, sourceId, now, leaseMs(deps));
  if (!claimed) return { busy: true };
  return runSync(deps, claimed, trigger, actor);
}

/** Syncs a source this replica holds the lease of, and gives the lease back with the outcome. */
export async function runSync(deps: SyncDeps, source: GitSource, trigger: SyncTrigger, actor: Actor | null): Promise<SyncOutcome> {
  // The claim stamped when it began; the next one is due an interval after that.
  const started = source.lastAttemptAt ?? new Date();
  let outcome: SyncOutcome;
  try {
    outcome = await syncOnce(deps, source, trigger, actor);
  } catch (e) {
    deps.log.error('git sync failed', { source: source.id, error: String((e as Error)?.stack ?? e) });
    outcome = { status: 'failed', commit: null, revision: null, created: false, applied: false, error: 'internal error while syncing; see the server log' };
  }
  const done = new Date();
  deps.log.info('git sync', {
    source: source.id,
    trigger,
    status: outcome.status,
    commit: outcome.commit,
    revision: outcome.revision,
    created: outcome.created,
  });
  await finishSync(
    deps.db,
    source.id,
    outcome.status === 'failed'
      ? { status: 'failed', error: outcome.error }
      : { status: outcome.status, error: null, lastCommit: outcome.commit, lastRevision: outcome.revision, lastSyncedAt: done },
    nextSyncAfter(source.intervalSeconds, started),
  );
  return outcome;
}

async function syncOnce(deps: SyncDeps, source: GitSource, trigger: SyncTrigger, actor: Actor | null): Promise<SyncOutcome> {
  const fail = (error: string, commit: string | null = null): SyncOutcome => ({
    status: 'failed',
    commit,
    revision: null,
    created: false,
    applied: false,
    error,
  });
  const deployment = await findDeployment(deps.db, source.deploymentId, [source.orgId]);
  // A deleted deployment syncs no more: its source goes with it (its revisions stay for the history).
  if (!deployment || deployment.status === 'deleted') {
    await deleteSource(deps.db, source.id);
    return fail('the deployment is deleted');
  }
  if (deployment.status !== 'active') return fail('the deployment is being deleted');
  const credentials = credentialsOf(deps.box, source);
  if (!credentials) return fail('the stored credentials cannot be opened (the server secret changed?); set the token or deploy key again');
  const checkout = await fetchCommit({ url: source.url, ref: source.ref, credentials }, deps.git);
  if (!checkout.ok) return fail(checkout.message);
  let rendered;
  try {
    rendered = await renderPath(checkout.dir, source.path, deps.render);
  } finally {
    await checkout.cleanup();
  }
  const short = checkout.commit.slice(0, 12);
  if (!rendered.ok) return fail(`at ${short}: ${rendered.message}`, checkout.commit);
  const who = actorFor(source, actor);
  if (!who) return fail('the account that set up this Git source no longer exists; save the source again to take it over', checkout.commit);
  const made = await createRevision(deps.db, who, deployment.id, {
    manifests: rendered.manifests,
    source: 'git',
    gitCommit: checkout.commit,
    message: `${source.ref} at ${short}`,
  });
  if (!made.ok) return fail(`at ${short}: ${made.field === 'manifests' ? '' : `${made.field}: `}${made.message}`, checkout.commit);
  const revision = made.revision.number;
  const created = made.unchanged !== true;
  if (created)
    await recordAudit(deps.db, {
      orgId: deployment.orgId,
      actorUserId: who.userId,
      actor: who.email,
      action: 'deployment.git_synced',
      target: deployment.id,
      ip: who.ip,
      details: { commit: checkout.commit, revision, trigger, autoApply: source.autoApply },
    });
  const targets = await listTargets(deps.db, deployment.id);
  const behind = targets.filter((t) => t.desiredRevision !== revision);
  if (behind.length === 0 && (targets.length > 0 || !source.autoApply))
    return { status: targets.length > 0 ? 'synced' : 'out_of_sync', commit: checkout.commit, revision, created, applied: false, error: null };
  if (!source.autoApply) return { status: 'out_of_sync', commit: checkout.commit, revision, created, applied: false, error: null };
  const applied = await applyRevision(deps.db, deps.signals, who, deployment.id, revision, null);
  if (!applied.ok) return fail(`at ${short}: revision ${revision} was made but not applied: ${applied.message}`, checkout.commit);
  return { status: 'synced', commit: checkout.commit, revision, created, applied: true, error: null };
}

/**
 * Each replica's scheduler: every `pollMs` it claims the sources due a sync (up to its free slots) and syncs them,
 * `concurrency` at a time. Claims are leases in the database, so replicas share the work without a lock held across
 * a fetch; a replica that stops lets its leases lapse.
 */
export function startGitSyncJob(deps: SyncDeps & { pollMs: number; concurrency: number }): { stop(): Promise<void> } {
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  let ticking: Promise<void> | null = null;
  let prunedAt = 0;
  const tick = async (): Promise<void> => {
    // Delivery ids are kept a week (GitHub redelivers within days); pruned hourly, by the index on their time.
    if (Date.now() - prunedAt > 3_600_000) {
      prunedAt = Date.now();
      await pruneDeliveries(deps.db, new Date(Date.now() - 7 * 86_400_000));
    }
    const free = deps.concurrency - running.size;
    if (free <= 0 || stopped) return;
    const due = await claimDueSources(deps.db, new Date(), leaseMs(deps), free);
    for (const source of due) {
      const p = runSync(deps, source, 'schedule', null).finally(() => running.delete(p));
      running.add(p);
    }
  };
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = tick()
      .catch((e) => {
        if (!logDatabaseAway(deps.log, 'git sync scheduler', e)) deps.log.error('git sync scheduler failed', { error: String((e as Error)?.stack ?? e) });
      })
      .finally(() => (ticking = null));
  }, deps.pollMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await ticking;
      await Promise.allSettled([...running]);
    },
  };
}
