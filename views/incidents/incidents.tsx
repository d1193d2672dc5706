import Html from '@kitajs/html';
import { EmptyRow } from '../shared/empty-row';
import { Age } from '../clusters/parts';
import { formatSpan } from '../shared/format';
import { RelativeTime } from '../shared/time';
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

const KIND_TEXT: Record<IncidentKind, string> = {
  cluster_offline: 'Cluster offline',
  pod_crash_looping: 'Pod crash-looping',
  node_not_ready: 'Node not ready',
};

function IncidentTable(props: { rows: IncidentRow[]; empty: string }): JSX.Element {
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
                  <Age at={r.openedAt} />
                </td>
                <td>
                  {r.resolvedAt ? (
                    <span safe>{`${formatSpan((r.resolvedAt.getTime() - r.openedAt.getTime()) / 1000)} (resolved)`}</span>
                  ) : (
                    <RelativeTime at={r.openedAt} style="elapsed" />
                  )}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

export function IncidentsPage(props: { open: IncidentRow[]; resolved: IncidentRow[]; clusterName: string | null; limit: number }): JSX.Element {
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
      <IncidentTable rows={props.open} empty="No open incidents." />
      <h2>Recently resolved</h2>
      <IncidentTable rows={props.resolved} empty="Nothing resolved yet." />
      <p class="muted">Notifications for incidents are not available yet.</p>
    </>
  );
}
