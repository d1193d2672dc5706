// The words of the GitOps domain: how a source authenticates, how its last sync went, what a pull request found.
import type { PolicyFinding } from '../policies/vocabulary';

export const GIT_AUTHS = ['none', 'token', 'ssh'] as const;
export type GitAuth = (typeof GIT_AUTHS)[number];

/**
 * pending: never synced yet; synced: the deployment's latest revision is the rendered commit and (with auto-apply)
 * was applied; out_of_sync: Git has a revision that was not applied (auto-apply off); failed: the last sync could not
 * fetch or render (the error says which).
 */
export const SYNC_STATUSES = ['pending', 'synced', 'out_of_sync', 'failed'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export const SYNC_STATUS_LABELS: Record<SyncStatus, string> = {
  pending: 'Not synced yet',
  synced: 'Synced',
  out_of_sync: 'Out of sync',
  failed: 'Sync failed',
};

export type PrState = 'open' | 'closed';

/** A policy finding at a pull request's head: the rule's finding, on which object, and the rule's fix. */
export type PrFinding = PolicyFinding & { subject: string; fix: string };

/** Default seconds between scheduled syncs (Argo CD's default reconciliation period). */
export const DEFAULT_SYNC_INTERVAL_SECONDS = 180;
