// What the incidents API answers: incidents with their history, silences, and an org's thresholds.
import { t } from 'elysia';
import { Count, Exact, Nullable, OneOf, OneOfOrNull, Page, Timestamp } from '../http/responses';
import { ENVIRONMENTS } from '../clusters/vocabulary';
import { INCIDENT_KINDS, SEVERITIES, TRANSITION_KINDS } from './vocabulary';

export const IncidentJson = Exact({
  id: t.String(),
  orgId: t.String(),
  cluster: Exact({ id: t.String(), name: t.String(), environment: OneOf(ENVIRONMENTS) }),
  kind: OneOf(INCIDENT_KINDS),
  severity: OneOf(SEVERITIES, { description: 'Base severity of the kind moved by the environment; low and medium make the cluster Warning, high Critical' }),
  state: OneOf(['open', 'resolved'] as const),
  subject: t.String({
    description: 'What inside the cluster: a workload "namespace/Kind/name" (a bare pod "namespace/Pod/name"), a node name, or "" for the cluster',
  }),
  title: t.String(),
  count: Count({ description: 'Pods affected (pod-level kinds); 1 otherwise' }),
  pods: t.Array(t.String(), { description: 'Names of affected pods (at most 20; count is exact)' }),
  details: t.Record(t.String(), t.Unknown()),
  openedAt: Timestamp,
  lastSeenAt: Timestamp,
  resolvedAt: Nullable(Timestamp),
  resolvedBy: Nullable(t.String(), { description: 'E-mail of who resolved it by hand; null when it resolved itself' }),
  resolveNote: Nullable(t.String()),
  acknowledgedAt: Nullable(Timestamp),
  acknowledgedBy: Nullable(t.String(), { description: 'E-mail of who acknowledged it' }),
  silencedUntil: Nullable(Timestamp, { description: 'While in the future a silence matches it: no notification is sent' }),
  reopenCount: Count({ description: 'Times it fired again within 30 min of resolving (reopened, not duplicated)' }),
});
export type IncidentJson = typeof IncidentJson.static;

export const IncidentPage = Page('incidents', IncidentJson);
export type IncidentPage = typeof IncidentPage.static;

export const TransitionJson = Exact({
  kind: OneOf(TRANSITION_KINDS),
  severity: OneOf(SEVERITIES),
  at: Timestamp,
  actor: Nullable(t.String(), { description: 'E-mail of who did it; null when Niro did' }),
  note: Nullable(t.String()),
});
export type TransitionJson = typeof TransitionJson.static;

export const IncidentDetail = Exact({ incident: IncidentJson, transitions: t.Array(TransitionJson, { description: 'Oldest first' }) });
export type IncidentDetail = typeof IncidentDetail.static;

export const SilenceJson = Exact({
  id: t.String(),
  orgId: t.String({ description: 'Applies to incidents of this org and its descendants' }),
  clusterId: Nullable(t.String()),
  clusterName: Nullable(t.String()),
  kind: OneOfOrNull(INCIDENT_KINDS),
  workload: Nullable(t.String({ description: '"namespace/Kind/name"' })),
  environment: OneOfOrNull(ENVIRONMENTS),
  startsAt: Timestamp,
  endsAt: Timestamp,
  comment: t.String(),
  createdBy: Nullable(t.String()),
  createdAt: Timestamp,
  active: t.Boolean(),
});
export type SilenceJson = typeof SilenceJson.static;

export const SilenceList = Exact({ silences: t.Array(SilenceJson) });
export type SilenceList = typeof SilenceList.static;

export const ThresholdsJson = Exact({
  orgId: t.String(),
  pendingAfterSeconds: Count({ description: 'A pod Pending this long opens pod_pending_too_long' }),
  unavailableAfterSeconds: Count({ description: 'A workload below its desired ready count this long opens workload_unavailable' }),
});
export type ThresholdsJson = typeof ThresholdsJson.static;
