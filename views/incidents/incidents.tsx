import Html from '@kitajs/html';
import { EmptyRow } from '../shared/empty-row';
import { Pager } from '../shared/pager';
import { Age } from '../clusters/parts';
import { formatSpan } from '../shared/format';
import { RelativeTime } from '../shared/time';
import { ENVIRONMENTS, type Environment } from '../../src/clusters/vocabulary';
import { INCIDENT_KINDS, KINDS, SEVERITIES, type IncidentKind, type Severity } from '../../src/incidents/vocabulary';
import { SilencesSection, type SilencesProps } from './silences';
import { podKey, podsUrl, type PodsFilters } from '../pods/filters';

const NO_POD_FILTERS: PodsFilters = { q: '', clusters: [], namespace: '', status: '', owner: '', node: '', problem: false, sort: 'name', group: 'pods' };

/** The polled part of /incidents: summary counts and the table; it replaces itself every 5 s while visible. */
export const INCIDENTS_LIVE_ID = 'incidents-live';
/** Fired (HX-Trigger) by an action answered to htmx: the live part refreshes at once, not at its next tick. */
export const INCIDENTS_CHANGED_EVENT = 'incidents-changed';
/** The navigation's live count of open incidents. */
export const NAV_COUNT_ID = 'nav-incidents';

export type IncidentRow = {
  id: string;
  clusterId: string;
  clusterName: string;
  environment: Environment;
  kind: IncidentKind;
  severity: Severity;
  state: 'pending' | 'open' | 'resolved';
  subject: string;
  title: string;
  count: number;
  pods: string[];
  openedAt: Date;
  resolvedAt: Date | null;
  acknowledgedAt: Date | null;
  acknowledgedByEmail: string | null;
  silencedUntil: Date | null;
  reopenCount: number;
};

export type IncidentFilters = { state: 'open' | 'resolved'; severity: string; kind: string; cluster: string; environment: string; orgId: string };

export type Counts = { total: number; unacknowledged: number; bySeverity: Record<Severity, number> };

export type IncidentsLiveProps = {
  rows: IncidentRow[];
  /** With the open list: the latest resolved ones (same filters), at most a few. */
  recentlyResolved: IncidentRow[];
  counts: Counts;
  filters: IncidentFilters;
  liveUrl: string;
  nextPageUrl: string | null;
  canAct: boolean;
  csrfToken: string;
  now: Date;
};

export function filterQuery(f: IncidentFilters, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v && !(k === 'state' && v === 'open')) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function severityClass(severity: Severity, active: boolean): string {
  return active ? (severity === 'high' ? 'critical' : 'warning') : '';
}

/** Where a subject links: a workload to the cluster's pod list narrowed to it; a node to the cluster. */
export function SubjectLinks(props: { r: IncidentRow }): JSX.Element {
  const r = props.r;
  if (KINDS[r.kind].subject !== 'workload')
    return (
      <span class="muted small" safe>
        {r.subject}
      </span>
    );
  const [ns, kind, ...rest] = r.subject.split('/');
  const name = rest.join('/');
  const base = { ...NO_POD_FILTERS, clusters: [r.clusterId], namespace: ns };
  const workloadUrl = podsUrl(kind === 'Pod' ? { ...base, q: name } : { ...base, owner: `${kind}/${name}` });
  return (
    <span class="small">
      <a href={workloadUrl} data-workload-link safe>{`${kind} ${ns}/${name}`}</a>
      {r.pods.slice(0, 3).map((p) => (
        <>
          {' · '}
          <a href={podsUrl(base, { pod: podKey(r.clusterId, ns, p) })} data-pod-link safe>
            {p}
          </a>
        </>
      ))}
      {r.count > 3 ? <span class="muted" safe>{` · +${r.count - 3} more`}</span> : ''}
    </span>
  );
}

function StateCell(props: { r: IncidentRow; now: Date }): JSX.Element {
  const r = props.r;
  const parts: JSX.Element[] = [];
  if (r.acknowledgedAt) parts.push(<span class="badge" data-acknowledged safe>{`ack ${r.acknowledgedByEmail ?? ''}`}</span>);
  if (r.silencedUntil && r.silencedUntil > props.now)
    parts.push(<span class="badge" data-silenced safe>{`silenced until ${r.silencedUntil.toISOString().slice(0, 16).replace('T', ' ')} UTC`}</span>);
  if (r.reopenCount > 0) parts.push(<span class="muted small" safe>{`reopened ×${r.reopenCount}`}</span>);
  return <>{parts}</>;
}

function IncidentTable(props: IncidentsLiveProps): JSX.Element {
  const open = props.filters.state === 'open';
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
            <th>{open ? 'Open for' : 'Lasted'}</th>
            <th>State</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {props.rows.length === 0 ? (
            <EmptyRow columns={8}>{open ? 'No open incidents.' : 'No resolved incidents.'}</EmptyRow>
          ) : (
            props.rows.map((r) => (
              <tr id={`incident-${r.id}`} data-incident={r.kind}>
                <td>
                  <span class={`badge ${severityClass(r.severity, r.state === 'open')}`}>{r.severity}</span>
                </td>
                <td safe>{KINDS[r.kind].label}</td>
                <td>
                  <a href={`/clusters/${r.clusterId}`} safe>
                    {r.clusterName}
                  </a>
                  <div class="muted small">{r.environment}</div>
                </td>
                <td class="wrap">
                  <a href={`/incidents/${r.id}`} safe>
                    {r.title}
                  </a>
                  <div>
                    <SubjectLinks r={r} />
                  </div>
                </td>
                <td>
                  <Age at={r.openedAt} />
                </td>
                <td>
                  {r.resolvedAt ? (
                    <span safe>{formatSpan((r.resolvedAt.getTime() - r.openedAt.getTime()) / 1000)}</span>
                  ) : (
                    <RelativeTime at={r.openedAt} style="elapsed" />
                  )}
                </td>
                <td>
                  <StateCell r={r} now={props.now} />
                </td>
                <td>
                  {props.canAct && r.state === 'open' && !r.acknowledgedAt ? (
                    <form method="post" action={`/incidents/${r.id}/acknowledge`} hx-post={`/incidents/${r.id}/acknowledge`} hx-swap="none">
                      <input type="hidden" name="_csrf" value={props.csrfToken} />
                      <button class="small" data-ack={r.id}>
                        Acknowledge
                      </button>
                    </form>
                  ) : (
                    ''
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

export function IncidentsLive(props: IncidentsLiveProps): JSX.Element {
  const c = props.counts;
  return (
    <div id={INCIDENTS_LIVE_ID} hx-get={props.liveUrl} hx-trigger={`every 5s, ${INCIDENTS_CHANGED_EVENT} from:body`} hx-swap="outerMorph">
      <div class="row summary" aria-label="Open incidents">
        <span class="chip" data-open-count={String(c.total)} safe>{`Open ${c.total}`}</span>
        {(['high', 'medium', 'low'] as const).map((s) => (
          <a class={`chip${props.filters.severity === s ? ' on' : ''}`} href={`/incidents${filterQuery({ ...props.filters, severity: s })}`} safe>
            {`${s} ${c.bySeverity[s]}`}
          </a>
        ))}
        <span class="chip" safe>{`Unacknowledged ${c.unacknowledged}`}</span>
      </div>
      <IncidentTable {...props} />
      <Pager href={props.nextPageUrl} label="Older →" />
      {props.filters.state === 'open' && props.recentlyResolved.length ? (
        <>
          <h2>Recently resolved</h2>
          <IncidentTable {...props} rows={props.recentlyResolved} filters={{ ...props.filters, state: 'resolved' }} />
        </>
      ) : (
        ''
      )}
    </div>
  );
}

type Option = { value: string; label: string };

function Select(props: { name: string; label: string; value: string; options: Option[]; any?: string }): JSX.Element {
  return (
    <label>
      <span safe>{props.label}</span>
      <select name={props.name}>
        {props.any !== undefined ? (
          <option value="" safe>
            {props.any}
          </option>
        ) : (
          ''
        )}
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.value} safe>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export type IncidentsPageProps = {
  live: IncidentsLiveProps;
  clusters: Option[];
  orgs: Option[];
  silences: SilencesProps;
};

export function IncidentsPage(props: IncidentsPageProps): JSX.Element {
  const f = props.live.filters;
  return (
    <>
      <h1>Incidents</h1>
      <form method="get" action="/incidents" class="row filters">
        <Select
          name="state"
          label="State"
          value={f.state}
          options={[
            { value: 'open', label: 'Open' },
            { value: 'resolved', label: 'Resolved' },
          ]}
        />
        <Select name="severity" label="Severity" value={f.severity} any="Any" options={SEVERITIES.map((s) => ({ value: s, label: s }))} />
        <Select name="kind" label="Kind" value={f.kind} any="Any" options={INCIDENT_KINDS.map((k) => ({ value: k, label: KINDS[k].label }))} />
        <Select name="cluster" label="Cluster" value={f.cluster} any="Any" options={props.clusters} />
        <Select name="environment" label="Environment" value={f.environment} any="Any" options={ENVIRONMENTS.map((e) => ({ value: e, label: e }))} />
        {props.orgs.length > 1 ? <Select name="orgId" label="Organization" value={f.orgId} any="Any" options={props.orgs} /> : ''}
        <button>Filter</button>
        <a href="/incidents">Clear</a>
      </form>
      <IncidentsLive {...props.live} />
      <SilencesSection {...props.silences} />
    </>
  );
}

/** The navigation's badge: open incidents in scope; polls itself. Empty (no badge) when there are none. */
export function NavIncidentCount(props: { total: number; worst: Severity | null }): JSX.Element {
  return (
    <span id={NAV_COUNT_ID} hx-get="/incidents/count" hx-trigger="every 5s" hx-swap="outerMorph" data-open-incidents={String(props.total)}>
      {props.total > 0 ? (
        <span class={`badge ${props.worst === 'high' ? 'critical' : 'warning'}`} safe>
          {String(props.total)}
        </span>
      ) : (
        ''
      )}
    </span>
  );
}
