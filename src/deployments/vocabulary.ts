// The words a deployment is described with. Pure (no db, no config): the store, the services, the API and the
// views share them.
import type { Environment } from '../clusters/vocabulary';

/** Where a revision's content came from. 'rollback' = a copy of an older revision's content. */
export const REVISION_SOURCES = ['builder', 'import', 'git', 'rollback'] as const;
export type RevisionSource = (typeof REVISION_SOURCES)[number];

/** How a deployment was first made (a rollback is never a first revision). */
export const DEPLOYMENT_SOURCES = ['builder', 'import', 'git'] as const;
export type DeploymentSource = (typeof DEPLOYMENT_SOURCES)[number];

/**
 * active: targets follow its revisions. deleting: delete commands are queued on its clusters.
 * deleted: every cluster answered (or had nothing to delete); kept for the history, hidden from lists.
 */
export const DEPLOYMENT_STATUSES = ['active', 'deleting', 'deleted'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/**
 * One cluster of a deployment, as the command channel tells it:
 * pending = an apply is queued, the agent has not picked it up; applying = the agent has it; applied = the
 * agent applied every object; failed = the agent (or Kubernetes, or the delivery deadline) said no — `error`
 * says why. deleting / deleted: the same for the deployment's delete.
 */
export const TARGET_STATUSES = ['pending', 'applying', 'applied', 'failed', 'deleting', 'deleted'] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];

/** A Kubernetes object by identity, as apply, prune and delete name it. */
export type ObjectRef = { apiVersion: string; kind: string; namespace: string; name: string };

/** Which clusters of the deployment's org subtree it goes to: the union of the three (each optional). */
export type TargetSelector = {
  clusterIds?: string[];
  environments?: Environment[];
  /** Every pair must match (a cluster carrying all of them). */
  labels?: Record<string, string>;
};

/** A selector as a client sends it, before checkSelector. */
export type SelectorInput = { clusterIds?: string[]; environments?: string[]; labels?: Record<string, string> };
