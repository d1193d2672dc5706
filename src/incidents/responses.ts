// What the incidents API answers: incidents of the caller's clusters, newest first.
import { t } from 'elysia';
import { Exact, Nullable, OneOf, Page, Timestamp } from '../http/responses';
import { ENVIRONMENTS } from '../clusters/vocabulary';
import { INCIDENT_KINDS, SEVERITIES } from './vocabulary';

export const IncidentJson = Exact({
  id: t.String(),
  orgId: t.String(),
  cluster: Exact({ id: t.String(), name: t.String(), environment: OneOf(ENVIRONMENTS) }),
  kind: OneOf(INCIDENT_KINDS),
  severity: OneOf(SEVERITIES, { description: 'low and medium make the cluster Warning, high makes it Critical' }),
  subject: t.String({ description: 'What inside the cluster: "namespace/pod", a node name, or "" for the cluster itself' }),
  title: t.String(),
  details: t.Record(t.String(), t.Unknown()),
  openedAt: Timestamp,
  lastSeenAt: Timestamp,
  resolvedAt: Nullable(Timestamp),
});
export type IncidentJson = typeof IncidentJson.static;

export const IncidentPage = Page('incidents', IncidentJson);
export type IncidentPage = typeof IncidentPage.static;
