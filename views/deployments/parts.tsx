// Pieces the deployment views share: the per-cluster status badge and table, build-time findings, the target
// selector in words. Pure: props in, HTML out.
import Html from '@kitajs/html';
import { RelativeTime } from '../shared/time';
import type { DeploymentStatus, TargetStatus } from '../../src/deployments/vocabulary';

/** One cluster of a deployment as the views show it (the effective status: src/deployments/status.ts). */
/** A deployment as its pages name it. */
export type DeploymentView = {
  id: string;
  name: string;
  namespace: string;
  orgName: string;
  status: DeploymentStatus;
  latestRevision: number;
};

export type TargetView = {
  clusterId: string;
  clusterName: string;
  status: TargetStatus;
  error: string | null;
  desiredRevision: number | null;
  appliedRevision: number | null;
  lastSyncAt: Date | null;
};

const BADGE: Record<TargetStatus, string> = {
  pending: 'pending',
  applying: 'running',
  applied: 'healthy',
  failed: 'failed',
  deleting: 'pending',
  deleted: 'offline',
};

export function TargetBadge(props: { status: TargetStatus }): JSX.Element {
  return (
    <span class={`badge ${BADGE[props.status]}`} data-target-status={props.status}>
      {props.status}
    </span>
  );
}

/** A row of a status table: what it names (a cluster, or a deployment on a cluster's tab) and its status there. */
export type TargetRowView = { name: string; href: string; target: TargetView };

/** One row per cluster (or per deployment of a cluster): status, with the Kubernetes error, revisions, last sync. */
export function TargetTable(props: { first: 'Cluster' | 'Deployment'; rows: TargetRowView[]; empty: string }): JSX.Element {
  return (
    <div class="table-wrap">
      <table data-deployment-targets>
        <thead>
          <tr>
            <th>{props.first}</th>
            <th>Status</th>
            <th>Applied revision</th>
            <th>Last sync</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.length === 0 ? (
            <tr>
              <td colspan="5" class="empty" safe>
                {props.empty}
              </td>
            </tr>
          ) : (
            props.rows.map(({ name, href, target: t }) => (
              <tr {...(props.first === 'Cluster' ? { 'data-cluster': name } : { 'data-deployment': name })}>
                <td>
                  <a href={href} safe>
                    {name}
                  </a>
                </td>
                <td>
                  <TargetBadge status={t.status} />
                  {t.desiredRevision !== null && t.desiredRevision !== t.appliedRevision && t.status !== 'deleted' ? (
                    <small class="muted" safe>{` → revision ${t.desiredRevision}`}</small>
                  ) : (
                    ''
                  )}
                </td>
                <td safe>{t.appliedRevision === null ? '—' : String(t.appliedRevision)}</td>
                <td>{t.lastSyncAt ? <RelativeTime at={t.lastSyncAt} style="ago" /> : <span class="muted">never</span>}</td>
                <td class="mono" safe>
                  {t.error ?? ''}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

export type FindingView = { subject: string; ruleId: string; severity: string; title: string; message: string };

/** Build-time policy findings, shown before anything is applied (advisory: they do not block). */
export function FindingsList(props: { findings: FindingView[]; environment: string }): JSX.Element {
  if (props.findings.length === 0)
    return (
      <p class="muted" data-findings="0">
        No policy findings for {props.environment as 'safe'} clusters.
      </p>
    );
  return (
    <div data-findings={String(props.findings.length)}>
      <p class="muted" safe>{`${props.findings.length} policy finding(s), graded for ${props.environment} clusters (advisory; they do not block an apply):`}</p>
      <ul class="findings">
        {props.findings.map((f) => (
          <li data-rule={f.ruleId}>
            <span class={`badge ${f.severity === 'high' ? 'critical' : f.severity === 'medium' ? 'warning' : 'offline'}`} safe>
              {f.severity}
            </span>{' '}
            <span class="mono" safe>
              {f.subject}
            </span>{' '}
            <strong safe>{f.title}</strong>: <span safe>{f.message}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What a manifests check answered: the objects and findings, or the refusal naming the document and field. */
export function CheckResult(props: { error: string } | { objects: string[]; findings: FindingView[]; environment: string }): JSX.Element {
  if ('error' in props) {
    return (
      <div class="flash error" role="alert" data-check="invalid" safe>
        {props.error}
      </div>
    );
  }
  return (
    <div data-check="ok">
      <p safe>{`${props.objects.length} object(s): ${props.objects.join(', ')}`}</p>
      <FindingsList findings={props.findings} environment={props.environment} />
    </div>
  );
}

/** A target selector in words: "clusters berlin, munich · environments production · labels tier=edge". */
export function SelectorText(props: { clusterNames: string[]; environments: string[]; labels: Record<string, string> }): JSX.Element {
  const parts: string[] = [];
  if (props.clusterNames.length) parts.push(`clusters ${props.clusterNames.join(', ')}`);
  if (props.environments.length) parts.push(`environments ${props.environments.join(', ')}`);
  const labels = Object.entries(props.labels).map(([k, v]) => `${k}=${v}`);
  if (labels.length) parts.push(`labels ${labels.join(', ')}`);
  return <span>{Html.escapeHtml(parts.length ? parts.join(' · ') : 'no targets yet')}</span>;
}
