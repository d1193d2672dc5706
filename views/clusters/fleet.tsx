import Html from '@kitajs/html';
import { EmptyRow } from '../shared/empty-row';
import { Pager } from '../shared/pager';
import { Name } from '../shared/names';
import { ColumnChooser, DensityToggle, columnClass, type TableColumn } from '../shared/table-tools';
import type { Capabilities } from '../../src/contract';
import { Age, CapabilityChips, StatusBadge, UsageBar, formatBytes, formatCpu } from './parts';
import { ENVIRONMENTS, STATUS_LABEL, type ClusterStatus } from '../../src/clusters/vocabulary';

/** The polled part of the fleet page: it replaces itself (morph) every 5 s while the tab is visible. */
export const FLEET_LIVE_ID = 'fleet-live';

export type FleetRowView = {
  id: string;
  name: string;
  environment: string;
  orgName: string;
  status: ClusterStatus;
  nodeCount: number;
  nodesReady: number;
  podsTotal: number;
  podsRunning: number;
  podsListed: number;
  podsTruncated: boolean;
  /** False for protocol-1 agents (counts only). */
  podListAvailable: boolean;
  cpuUsageMilli: number | null;
  cpuCapacityMilli: number;
  memUsageBytes: number | null;
  memCapacityBytes: number;
  agentVersion: string | null;
  /** The agent reports another version than the one this server offers. */
  updateAvailable: boolean;
  capabilities: Capabilities | null;
  lastHeartbeatAt: Date | null;
  openIncidents: number;
};

export type FleetFilters = { status: string; environment: string; orgId: string; q: string };

export type FleetLiveProps = {
  rows: FleetRowView[];
  counts: Record<ClusterStatus, number>;
  /** Open incidents in the whole scope (not only this page), and how many nobody acknowledged. */
  incidents: { total: number; unacknowledged: number };
  filters: FleetFilters;
  /** The URL of this fragment with the current filters (and page). */
  liveUrl: string;
  nextPageUrl: string | null;
  hasFilters: boolean;
};

/** The fleet table's columns, in order; the cluster's name always shows. */
export const FLEET_COLUMNS: readonly TableColumn[] = [
  { key: 'status', label: 'Status' },
  { key: 'cluster', label: 'Cluster', fixed: true },
  { key: 'heartbeat', label: 'Last heartbeat' },
  { key: 'environment', label: 'Environment' },
  { key: 'org', label: 'Organization' },
  { key: 'nodes', label: 'Nodes' },
  { key: 'pods', label: 'Pods' },
  { key: 'cpu', label: 'CPU' },
  { key: 'memory', label: 'Memory' },
  { key: 'agent', label: 'Agent' },
  { key: 'capabilities', label: 'Capabilities' },
];
export const FLEET_TABLE_ID = 'fleet-table';
const col = (key: string): string => columnClass(FLEET_COLUMNS, key);

const STATUS_ORDER: ClusterStatus[] = ['critical', 'warning', 'unknown', 'offline', 'healthy', 'pending'];

function filterUrl(filters: FleetFilters, change: Partial<FleetFilters>): string {
  const merged = { ...filters, ...change };
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(merged)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `/?${s}` : '/';
}

export function FleetLive(props: FleetLiveProps): JSX.Element {
  const total = Object.values(props.counts).reduce((a, b) => a + b, 0);
  return (
    <div id={FLEET_LIVE_ID} hx-get={props.liveUrl} hx-trigger="every 5s" hx-swap="outerMorph">
      <div class="row summary" aria-label="Clusters by status">
        <a class={`chip${props.filters.status === '' ? ' on' : ''}`} href={filterUrl(props.filters, { status: '' })}>
          All {total}
        </a>
        {STATUS_ORDER.map((s) => (
          <a class={`chip${props.filters.status === s ? ' on' : ''}`} href={filterUrl(props.filters, { status: s })} data-count={s} safe>
            {`${STATUS_LABEL[s]} ${props.counts[s]}`}
          </a>
        ))}
        <a class="chip" href="/incidents" data-fleet-incidents={String(props.incidents.total)} safe>
          {`Open incidents ${props.incidents.total}${props.incidents.unacknowledged ? ` (${props.incidents.unacknowledged} unacknowledged)` : ''}`}
        </a>
      </div>
      <div class="table-wrap">
        <table id={FLEET_TABLE_ID} class="fit">
          <thead>
            <tr>
              {FLEET_COLUMNS.map((c) => (
                <th class={col(c.key)} safe>
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.rows.length === 0 ? (
              <EmptyRow columns={FLEET_COLUMNS.length}>
                {props.hasFilters ? (
                  'No cluster matches these filters.'
                ) : (
                  <span>
                    No clusters yet. <a href="/clusters/new">Add your first cluster</a>.
                  </span>
                )}
              </EmptyRow>
            ) : (
              props.rows.map((r) => <FleetRow row={r} />)
            )}
          </tbody>
        </table>
      </div>
      <Pager href={props.nextPageUrl} label="Next →" />
    </div>
  );
}

function FleetRow(props: { row: FleetRowView }): JSX.Element {
  const r = props.row;
  return (
    <tr id={`cluster-${r.id}`} data-cluster={r.name}>
      <td class={col('status')}>
        <StatusBadge status={r.status} />
        {r.openIncidents > 0 ? (
          <a class="small muted open-incidents" href={`/incidents?cluster=${r.id}`} title="Open incidents">
            {r.openIncidents} open
          </a>
        ) : (
          ''
        )}
      </td>
      <td class={col('cluster')}>
        <Name text={r.name} href={`/clusters/${r.id}`} what="cluster name" />
      </td>
      <td class={col('heartbeat')} data-last-heartbeat>
        <Age at={r.lastHeartbeatAt} />
      </td>
      <td class={col('environment')}>
        <span class="chip" safe>
          {r.environment}
        </span>
      </td>
      <td class={col('org')}>
        <Name text={r.orgName} copy={false} />
      </td>
      <td class={col('nodes')}>{r.status === 'pending' ? <span class="muted">—</span> : <span safe>{`${r.nodesReady}/${r.nodeCount} ready`}</span>}</td>
      <td class={col('pods')} data-pods>
        {r.status === 'pending' ? (
          <span class="muted">—</span>
        ) : (
          <>
            <span safe>{`${r.podsRunning}/${r.podsTotal} running`}</span>
            {!r.podListAvailable ? (
              <span class="chip" title="This agent (protocol 1) reports counts only; upgrade it to see the pod list">
                {' '}
                counts only
              </span>
            ) : (
              ''
            )}
            {r.podsTruncated ? (
              <span class="chip" title={`Only ${r.podsListed} of ${r.podsTotal} pods are listed`}>
                {' '}
                truncated
              </span>
            ) : (
              ''
            )}
          </>
        )}
      </td>
      <td class={col('cpu')}>
        {r.status === 'pending' ? <span class="muted">—</span> : <UsageBar used={r.cpuUsageMilli} total={r.cpuCapacityMilli} format={formatCpu} />}
      </td>
      <td class={col('memory')}>
        {r.status === 'pending' ? <span class="muted">—</span> : <UsageBar used={r.memUsageBytes} total={r.memCapacityBytes} format={formatBytes} />}
      </td>
      <td class={`${col('agent')} mono`} title={r.agentVersion ?? ''}>
        <span safe>{r.agentVersion ?? '—'}</span>
        {r.updateAvailable ? (
          <span class="badge warning" data-update-available title="A newer agent is offered; update it from the cluster page or Agents">
            update available
          </span>
        ) : null}
      </td>
      <td class={`${col('capabilities')} caps`}>
        <CapabilityChips capabilities={r.capabilities} onlyEnabled />
      </td>
    </tr>
  );
}

export type FleetPageProps = FleetLiveProps & {
  orgs: { id: string; name: string; depth: number }[];
  canCreate: boolean;
};

export function FleetPage(props: FleetPageProps): JSX.Element {
  const f = props.filters;
  return (
    <>
      <div class="row page-head">
        <h1>Fleet</h1>
        <span class="spacer"></span>
        <ColumnChooser table={FLEET_TABLE_ID} columns={FLEET_COLUMNS} />
        <DensityToggle />
        <a class="button secondary" href="/rollouts">
          Agent updates
        </a>
        {props.canCreate ? (
          <a class="button" href="/clusters/new">
            Add cluster
          </a>
        ) : (
          ''
        )}
      </div>
      <form method="get" action="/" class="row filters panel" role="search">
        <input type="search" name="q" value={f.q} placeholder="Search by name" maxlength="100" aria-label="Search by name" />
        <select name="status" aria-label="Status">
          <option value="">Any status</option>
          {STATUS_ORDER.map((s) => (
            <option value={s} selected={f.status === s} safe>
              {STATUS_LABEL[s]}
            </option>
          ))}
        </select>
        <select name="environment" aria-label="Environment">
          <option value="">Any environment</option>
          {ENVIRONMENTS.map((e) => (
            <option value={e} selected={f.environment === e}>
              {e}
            </option>
          ))}
        </select>
        {props.orgs.length > 1 ? (
          <select name="orgId" aria-label="Organization">
            <option value="">Any organization</option>
            {props.orgs.map((o) => (
              <option value={o.id} selected={f.orgId === o.id} safe>
                {'\u00a0\u00a0'.repeat(o.depth) + o.name}
              </option>
            ))}
          </select>
        ) : (
          ''
        )}
        <button>Filter</button>
        {props.hasFilters ? (
          <a href="/" class="button secondary">
            Clear
          </a>
        ) : (
          ''
        )}
      </form>
      <FleetLive {...props} />
    </>
  );
}
