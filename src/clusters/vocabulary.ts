// The words a cluster is described with: environments, statuses and how a status reads. Pure (no db,
// no config), so the store, the routes, the status job and the views all take them from here.

export const ENVIRONMENTS = ['production', 'staging', 'dev', 'unspecified'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/**
 * Stored status. 'pending' = created, no heartbeat yet. Unknown and Offline are written by the
 * status job from heartbeat age; Warning and Critical come from open incidents (see status.ts).
 */
export const CLUSTER_STATUSES = ['pending', 'healthy', 'warning', 'critical', 'unknown', 'offline'] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];

/** A status as badges, filters and timeline entries ("Healthy → Offline") name it. */
export const STATUS_LABEL: Record<ClusterStatus, string> = {
  pending: 'Awaiting agent',
  healthy: 'Healthy',
  warning: 'Warning',
  critical: 'Critical',
  unknown: 'Unknown',
  offline: 'Offline',
};

/** What a cluster timeline entry is about. */
export const TIMELINE_KINDS = ['enrolled', 'status', 'capability', 'agent', 'event', 'restart', 'incident', 'truncation', 'settings', 'token'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];
