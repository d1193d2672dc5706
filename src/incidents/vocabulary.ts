// The words an incident is described with. Pure (no db, no config): the store and the views share them.

export const INCIDENT_KINDS = ['cluster_offline', 'pod_crash_looping', 'node_not_ready'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** low/medium make a cluster Warning, high makes it Critical. */
export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What happened to an incident, as a notification may follow it. */
export const TRANSITION_KINDS = ['opened', 'reopened', 'acknowledged', 'resolved'] as const;
export type TransitionKind = (typeof TRANSITION_KINDS)[number];
