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

/**
 * A status as badges, filters and timeline entries ("Healthy → Offline") name it: the API's word, capitalised,
 * so what a script reads and what an operator sees are the same word.
 */
export const STATUS_LABEL = Object.fromEntries(CLUSTER_STATUSES.map((s) => [s, s[0].toUpperCase() + s.slice(1)])) as Record<ClusterStatus, string>;

/** What each status means, for a badge's tooltip and the API's documentation. */
export const STATUS_MEANING: Record<ClusterStatus, string> = {
  pending: 'created; its agent has not sent a first heartbeat yet',
  healthy: 'heartbeats arrive and no incident is open',
  warning: 'an incident of low or medium severity is open',
  critical: 'an incident of high severity is open',
  unknown: 'no heartbeat for 2.5 heartbeat intervals',
  offline: 'no heartbeat for longer than the offline threshold',
};

/**
 * A cluster's name is a DNS label (RFC 1123), as Kubernetes names namespaces and services: it goes into kubectl
 * contexts, file names and URLs unchanged. Written for the HTML `pattern` attribute too (implicitly anchored
 * there, run in the `v` mode that needs the "-" escaped).
 */
export const CLUSTER_NAME_PATTERN = '[a-z0-9]([a-z0-9\\-]*[a-z0-9])?';
export const CLUSTER_NAME_MAX = 63;
export const CLUSTER_NAME_RULE = `lowercase letters, digits and "-", starting and ending with a letter or digit, at most ${CLUSTER_NAME_MAX} characters`;

/** What is typed, turned into a name the rule accepts ("Store Berlin #1" → "store-berlin-1"); "" when nothing is left. */
export function suggestClusterName(raw: string): string {
  return raw
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, CLUSTER_NAME_MAX)
    .replace(/^-+|-+$/g, '');
}

/** What a cluster timeline entry is about. */
export const TIMELINE_KINDS = [
  'enrolled',
  'status',
  'capability',
  'agent',
  'event',
  'restart',
  'incident',
  'truncation',
  'settings',
  'token',
  'policy',
  'deployment',
  /** A Niro-managed object drifted from what was applied, or came back in sync. */
  'drift',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];
