// The words an incident is described with, and the one table of kinds. Pure (no db, no config): detection,
// the store, the API and the views all take them from here.
import type { Environment } from '../clusters/vocabulary';

export const INCIDENT_KINDS = [
  'cluster_offline',
  'pod_crash_looping',
  'image_pull_failing',
  'oom_killed',
  'pod_pending_too_long',
  'node_not_ready',
  'node_pressure',
  'workload_unavailable',
  'agent_outdated',
  'heartbeat_truncated',
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** low/medium make a cluster Warning, high makes it Critical. */
export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What an incident's subject names: the cluster (""), a node's name, or a workload "ns/Kind/name". */
export type SubjectKind = 'cluster' | 'node' | 'workload';

export type KindInfo = {
  /** Severity in a staging or unspecified cluster; production raises it, dev lowers it (ENVIRONMENT_SHIFT). */
  base: Severity;
  label: string;
  subject: SubjectKind;
  /**
   * How long the condition must be gone before the incident resolves itself (0 = at the first beat
   * without it). Crash loops and OOM kills come and go between beats: without this they would flap.
   */
  quietMs: number;
  /** Opens only once the condition has lasted the org's threshold (see IncidentThresholds). */
  threshold: boolean;
  why: string;
};

const MIN = 60_000;

/**
 * The kinds, their base severity and how they resolve. The README's incident table is this table;
 * `vocabulary.test.ts` keeps the two equal.
 */
export const KINDS: Record<IncidentKind, KindInfo> = {
  cluster_offline: { base: 'high', label: 'Cluster offline', subject: 'cluster', quietMs: 0, threshold: false, why: 'no heartbeat for the offline threshold' },
  pod_crash_looping: {
    base: 'high',
    label: 'Crash-looping',
    subject: 'workload',
    quietMs: 10 * MIN,
    threshold: false,
    why: 'pods in CrashLoopBackOff, or restarting twice or more between two heartbeats',
  },
  image_pull_failing: {
    base: 'medium',
    label: 'Image pull failing',
    subject: 'workload',
    quietMs: 0,
    threshold: false,
    why: 'containers in ErrImagePull or ImagePullBackOff',
  },
  oom_killed: {
    base: 'medium',
    label: 'OOM-killed',
    subject: 'workload',
    quietMs: 10 * MIN,
    threshold: false,
    why: 'containers killed for memory (OOMKilled) in the last 10 min',
  },
  pod_pending_too_long: {
    base: 'medium',
    label: 'Pending too long',
    subject: 'workload',
    quietMs: 0,
    threshold: true,
    why: 'pods Pending (unschedulable or stuck) for longer than the org’s threshold',
  },
  node_not_ready: { base: 'high', label: 'Node not ready', subject: 'node', quietMs: 0, threshold: false, why: 'the node’s Ready condition is not True' },
  node_pressure: {
    base: 'medium',
    label: 'Node pressure',
    subject: 'node',
    quietMs: 0,
    threshold: false,
    why: 'MemoryPressure, DiskPressure or PIDPressure is True',
  },
  workload_unavailable: {
    base: 'high',
    label: 'Workload unavailable',
    subject: 'workload',
    quietMs: 0,
    threshold: true,
    why: 'a Deployment, StatefulSet or DaemonSet below its desired ready count for longer than the org’s threshold',
  },
  agent_outdated: {
    base: 'low',
    label: 'Agent outdated',
    subject: 'cluster',
    quietMs: 0,
    threshold: false,
    why: 'the agent speaks an older protocol or is an older version than this server ships',
  },
  heartbeat_truncated: {
    base: 'low',
    label: 'Heartbeat truncated',
    subject: 'cluster',
    quietMs: 0,
    threshold: false,
    why: 'the heartbeat carried fewer pods or workloads than the cluster has',
  },
};

/** Steps an environment moves a base severity: one table, clamped to low..high. */
export const ENVIRONMENT_SHIFT: Record<Environment, -1 | 0 | 1> = { production: 1, staging: 0, unspecified: 0, dev: -1 };

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2 };

export function severityRank(s: Severity): number {
  return RANK[s];
}

/** A base severity in an environment: base + ENVIRONMENT_SHIFT, clamped. Incidents and policy findings both use it. */
export function shiftSeverity(base: Severity, environment: Environment): Severity {
  return SEVERITIES[Math.max(0, Math.min(2, RANK[base] + ENVIRONMENT_SHIFT[environment]))];
}

/** Severity of a kind in an environment (a production crash loop stays high). */
export function severityFor(kind: IncidentKind, environment: Environment): Severity {
  return shiftSeverity(KINDS[kind].base, environment);
}

export function worstSeverity(severities: readonly Severity[]): Severity | null {
  let worst: Severity | null = null;
  for (const s of severities) if (!worst || RANK[s] > RANK[worst]) worst = s;
  return worst;
}

/** Life of an incident row: 'pending' waits for its threshold (invisible to users), then 'open', then 'resolved'. */
export const INCIDENT_STATES = ['pending', 'open', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** A resolved incident whose condition fires again within this window reopens (same row) instead of a new one. */
export const REOPEN_WINDOW_MS = 30 * MIN;

/** Pod names kept in an incident's details (the count is exact; the list is bounded). */
export const MAX_PODS_LISTED = 20;

/** Per-org thresholds of the threshold kinds, in seconds. */
export type IncidentThresholds = { pendingAfterSeconds: number; unavailableAfterSeconds: number };
export const DEFAULT_THRESHOLDS: IncidentThresholds = { pendingAfterSeconds: 600, unavailableAfterSeconds: 600 };
/** Bounds an org admin may set a threshold within. */
export const THRESHOLD_BOUNDS = { min: 60, max: 24 * 3600 } as const;

export const TRANSITION_KINDS = ['opened', 'reopened', 'acknowledged', 'resolved'] as const;
export type TransitionKind = (typeof TRANSITION_KINDS)[number];
