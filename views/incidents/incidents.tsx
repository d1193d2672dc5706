import Html from '@kitajs/html';
import { EmptyRow } from '../shared/empty-row';
import { Age } from '../clusters/parts';
import type { IncidentKind, Severity } from '../../src/incidents/vocabulary';

export type IncidentRow = {
  id: string;
  clusterId: string;
  clusterName: string;
  kind: IncidentKind;
  severity: Severity;
  subject: string;
  title: string;
  openedAt: Date;
  resolvedAt: Date | null;
};

const KIND_TEXT: Record<IncidentKind, string> = { cluster_offline: 'Cluster offline', pod_crash_looping: 'Pod crash-looping', node_not_ready: 'Node not ready' };

function duration(from: Date, to: Date): string {
  const s = Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

function IncidentTable(props: { rows: IncidentRow[]; now: Date; empty: string }): JSX.Element {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Severity</th>
            <th>Kind</th>
            <th>Cluster</th>
            <th>What</th>
            <th>Opened</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.length === 0 ? (
            <EmptyRow columns={6}>{Html.escapeHtml(props.empty)}</EmptyRow>
          ) : (
            props.rows.map((r) => (
              <tr id={`incident-${r.id}`}>
                <td>
                  <span class={`badge ${r.resolvedAt ? '' : r.severity === 'high' ? 'critical' : 'warning'}`}>{r.severity}</span>
                </td>
                <td safe>{KIND_TEXT[r.kind]}</td>
                <td>
                  <a href={`/clusters/${r.clusterId}`} safe>
                    {r.clusterName}
                  </a>
                </td>
                <td class="wrap" safe>
                  {r.title}
                </td>
                <td>
                  <Age at={r.openedAt} now={props.now} />
                </td>
                <td safe>{r.resolvedAt ? `${duration(r.openedAt, r.resolvedAt)} (resolved)` : `${duration(r.openedAt, props.now)} so far`}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

export function IncidentsPage(props: { open: IncidentRow[]; resolved: IncidentRow[]; now: Date; clusterName: string | null; limit: number }): JSX.Element {
  return (
    <>
      <h1>Incidents{props.clusterName ? <span safe>{` — ${props.clusterName}`}</span> : ''}</h1>
      {props.clusterName ? (
        <p>
          <a href="/incidents">All clusters</a>
        </p>
      ) : (
        ''
      )}
      <h2 safe>{`Open (${props.open.length === props.limit ? `${props.limit}+` : props.open.length})`}</h2>
      <IncidentTable rows={props.open} now={props.now} empty="No open incidents." />
      <h2>Recently resolved</h2>
      <IncidentTable rows={props.resolved} now={props.now} empty="Nothing resolved yet." />
      <p class="muted">Notifications for incidents are not available yet.</p>
    </>
  );
}
