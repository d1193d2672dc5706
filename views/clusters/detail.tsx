import Html from '@kitajs/html';
import { EmptyRow } from '../shared/empty-row';
import { Pager } from '../shared/pager';
import { plural } from '../shared/format';
import { Name } from '../shared/names';
import type { Capabilities } from '../../src/contract';
import { Age, CapabilityChips, StatusBadge, UsageBar, formatBytes, formatCpu } from './parts';
import type { ClusterStatus, Environment, TimelineKind } from '../../src/clusters/vocabulary';
import { AgentLine, type AgentUpdateView } from './agent-line';

export type ClusterTab = 'overview' | 'workloads' | 'deployments' | 'logs' | 'timeline' | 'commands' | 'settings';

/**
 * The polled part of a live cluster tab (Overview, Commands): the whole layout — header (status, last
 * heartbeat), tabs and the tab's content — so what the page says refreshes together, never a fresh node table
 * under a header from minutes ago.
 */
export const CLUSTER_LIVE_ID = 'cluster-live';

/** Fired by a response that changed what a live cluster tab shows (a ping sent): the tab refreshes at once. */
export const CLUSTER_CHANGED_EVENT = 'niro:cluster-changed';

const TABS: { key: ClusterTab; path: string; label: string }[] = [
  { key: 'overview', path: '', label: 'Overview' },
  { key: 'workloads', path: '/workloads', label: 'Workloads' },
  { key: 'deployments', path: '/deployments', label: 'Deployments' },
  { key: 'logs', path: '/logs', label: 'Logs' },
  { key: 'timeline', path: '/timeline', label: 'Timeline' },
  { key: 'commands', path: '/commands', label: 'Commands' },
  { key: 'settings', path: '/settings', label: 'Settings' },
];

/** The cluster as its pages show it: what the agent last reported and the aggregates of its latest heartbeat. */
export type ClusterView = {
  id: string;
  name: string;
  environment: Environment;
  status: ClusterStatus;
  lastHeartbeatAt: Date | null;
  enrolledAt: Date | null;
  agentVersion: string | null;
  protocol: number | null;
  k8sVersion: string | null;
  distribution: string | null;
  platform: string | null;
  capabilities: Capabilities | null;
  nodeCount: number;
  nodesReady: number;
  podsTotal: number;
  podsRunning: number;
  podsFailed: number;
  namespaces: number;
  /** Pods in the stored list, fewer than podsTotal when the list was truncated. */
  podsListed: number;
  podsTruncated: boolean;
  cpuCapacityMilli: number;
  memCapacityBytes: number;
  /** Null when the cluster reported no metrics. */
  cpuUsageMilli: number | null;
  memUsageBytes: number | null;
};

export type TimelineEntryView = { id: number; at: Date; kind: TimelineKind; message: string };

/**
 * A cluster page: crumbs, header, tabs, then the tab. With `liveUrl` (a live tab) all of it is one element
 * that replaces itself from that URL every 5 s, and at once after a CLUSTER_CHANGED_EVENT; the URL answers
 * this same component.
 */
export function ClusterLayout(props: {
  cluster: ClusterView;
  orgName: string;
  tab: ClusterTab;
  liveUrl?: string;
  children?: JSX.Element | JSX.Element[] | string;
}): JSX.Element {
  const c = props.cluster;
  const page = (
    <>
      <p class="muted">
        <a href="/">Fleet</a> / <span safe>{props.orgName}</span>
      </p>
      <div class="row" data-cluster-header>
        <h1 safe>{c.name}</h1>
        <StatusBadge status={c.status} />
        <span class="chip">{c.environment}</span>
        <span class="spacer"></span>
        <span class="muted" data-last-heartbeat>
          Last heartbeat <Age at={c.lastHeartbeatAt} />
        </span>
      </div>
      <nav class="tabs">
        {TABS.map((t) => (
          <a href={`/clusters/${c.id}${t.path}`} class={t.key === props.tab ? 'active' : ''} safe>
            {t.label}
          </a>
        ))}
      </nav>
      {props.children as 'safe'}
    </>
  );
  if (!props.liveUrl) return page;
  return (
    <div id={CLUSTER_LIVE_ID} hx-get={props.liveUrl} hx-trigger={`every 5s, ${CLUSTER_CHANGED_EVENT} from:body`} hx-swap="outerMorph">
      {page}
    </div>
  );
}

export type NodeView = {
  name: string;
  status: string;
  roles: string[];
  kubeletVersion: string;
  cpuCapacityMilli: number;
  cpuAllocatableMilli: number;
  cpuUsageMilli: number | null;
  memCapacityBytes: number;
  memAllocatableBytes: number;
  memUsageBytes: number | null;
  podCount: number | null;
  unschedulable: boolean;
  pressures: string[];
  internalIp: string | null;
  updatedAt: Date;
};

export type IncidentBrief = { id: string; title: string; severity: string; openedAt: Date };

export type { AgentUpdateView };

export type OverviewProps = {
  cluster: ClusterView;
  nodes: NodeView[];
  moreNodes: boolean;
  usageAt: Date | null;
  incidents: IncidentBrief[];
  canOperate: boolean;
  csrfToken: string;
  /** The agent version this server offers, and whether this cluster's agent runs another. */
  agentUpdate: AgentUpdateView;
};

/** Tiles, open incidents and nodes: what changes with every heartbeat. */
function OverviewLive(props: OverviewProps): JSX.Element {
  const c = props.cluster;
  return (
    <div>
      <div class="grid">
        <div class="tile">
          <div class="muted">Nodes</div>
          <div class="v">
            {c.nodesReady}/{c.nodeCount}
          </div>
          <small class="muted">ready</small>
        </div>
        <div class="tile">
          <div class="muted">Pods</div>
          <div class="v">
            {c.podsRunning}/{c.podsTotal}
          </div>
          <small class="muted" safe>
            {`running${c.podsFailed ? `, ${c.podsFailed} failed` : ''} · ${plural(c.namespaces, 'namespace')}`}
          </small>
        </div>
        <div class="tile">
          <div class="muted">CPU</div>
          <UsageBar used={c.cpuUsageMilli} total={c.cpuCapacityMilli} format={formatCpu} />
        </div>
        <div class="tile">
          <div class="muted">Memory</div>
          <UsageBar used={c.memUsageBytes} total={c.memCapacityBytes} format={formatBytes} />
        </div>
      </div>
      {props.incidents.length ? (
        <div class="panel">
          <h2>Open incidents</h2>
          <ul>
            {props.incidents.map((i) => (
              <li>
                <span class={`badge ${i.severity === 'high' ? 'critical' : 'warning'}`} safe>
                  {i.severity}
                </span>{' '}
                <a href={`/incidents/${i.id}`} safe>
                  {i.title}
                </a>{' '}
                <span class="muted">
                  opened <Age at={i.openedAt} />
                </span>
              </li>
            ))}
          </ul>
        </div>
      ) : (
        ''
      )}
      <h2>Nodes</h2>
      <p class="muted small">
        Inventory from the last heartbeat (<Age at={c.lastHeartbeatAt} />
        ); usage sampled <Age at={props.usageAt} never="never (no metrics)" />.
      </p>
      <div class="table-wrap">
        <table id="nodes-table" class="fit">
          <thead>
            <tr>
              <th class="col-node">Node</th>
              <th class="col-status">Status</th>
              <th class="col-roles">Roles</th>
              <th class="col-kubelet">Kubelet</th>
              <th class="col-cpu">CPU used / allocatable</th>
              <th class="col-memory">Memory used / allocatable</th>
              <th class="col-capacity">Capacity</th>
              <th class="col-pods">Pods</th>
              <th class="col-ip">IP</th>
            </tr>
          </thead>
          <tbody>
            {props.nodes.length === 0 ? (
              <EmptyRow columns={9}>No nodes reported yet.</EmptyRow>
            ) : (
              props.nodes.map((n) => (
                <tr id={`node-${n.name}`}>
                  <td>
                    <Name text={n.name} mono what="node name" />
                  </td>
                  <td>
                    <span class={`badge ${n.status === 'Ready' ? 'healthy' : 'critical'}`} safe>
                      {n.status}
                    </span>
                    {n.unschedulable ? <span class="chip">cordoned</span> : ''}
                    {n.pressures.map((p) => (
                      <span class="chip" safe>
                        {p}
                      </span>
                    ))}
                  </td>
                  <td safe>{n.roles.join(', ') || 'worker'}</td>
                  <td class="mono" title={n.kubeletVersion} safe>
                    {n.kubeletVersion}
                  </td>
                  <td class="col-cpu">
                    <UsageBar used={n.cpuUsageMilli} total={n.cpuAllocatableMilli} format={formatCpu} />
                  </td>
                  <td class="col-memory">
                    <UsageBar used={n.memUsageBytes} total={n.memAllocatableBytes} format={formatBytes} />
                  </td>
                  <td>
                    <small safe>{`${formatCpu(n.cpuCapacityMilli)} · ${formatBytes(n.memCapacityBytes)}`}</small>
                  </td>
                  <td>{n.podCount ?? '—'}</td>
                  <td class="mono" safe>
                    {n.internalIp ?? ''}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {props.moreNodes ? <p class="muted">Only the first {props.nodes.length} nodes are shown; the API lists them all.</p> : ''}
    </div>
  );
}

export function OverviewTab(props: OverviewProps): JSX.Element {
  const c = props.cluster;
  return (
    <>
      {c.status === 'pending' ? <PendingPanel cluster={c} canOperate={props.canOperate} csrfToken={props.csrfToken} /> : ''}
      <OverviewLive {...props} />
      <h2>Cluster</h2>
      <dl class="kv panel">
        <dt>Kubernetes</dt>
        <dd safe>{[c.distribution, c.k8sVersion, c.platform].filter(Boolean).join(' · ') || '—'}</dd>
        <dt>Agent</dt>
        <AgentLine cluster={c} update={props.agentUpdate} canOperate={props.canOperate} csrfToken={props.csrfToken} />
        <dt>Capabilities</dt>
        <dd>
          <CapabilityChips capabilities={c.capabilities} />
        </dd>
        <dt>Enrolled</dt>
        <dd>{c.enrolledAt ? c.enrolledAt.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : 'not yet'}</dd>
        <dt>Cluster id</dt>
        <dd class="mono" safe>
          {c.id}
        </dd>
      </dl>
    </>
  );
}

function PendingPanel(props: { cluster: ClusterView; canOperate: boolean; csrfToken: string }): JSX.Element {
  const c = props.cluster;
  return (
    <div class="panel">
      <h2>{c.enrolledAt ? 'Enrolled — waiting for the first heartbeat' : 'Waiting for the agent'}</h2>
      {c.enrolledAt ? (
        <p class="muted">The agent has its key; its first heartbeat should arrive within a few seconds.</p>
      ) : (
        <>
          <p class="muted">
            The install command with its token was shown once when the cluster was created. Lost it, or did the hour pass? Create a new token (the old one stops
            working).
          </p>
          {props.canOperate ? (
            <form method="post" action={`/clusters/${c.id}/token`}>
              <input type="hidden" name="_csrf" value={props.csrfToken} />
              <button>New enrollment token</button>
            </form>
          ) : (
            ''
          )}
        </>
      )}
    </div>
  );
}

export type WorkloadCount = { namespace: string; phase: string; count: number };

const PHASES = ['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown'];

export function WorkloadsTab(props: { cluster: ClusterView; counts: WorkloadCount[] }): JSX.Element {
  const c = props.cluster;
  if ((c.protocol ?? 0) < 2 && c.status !== 'pending') {
    return (
      <p class="panel" safe>
        {`This agent (protocol ${c.protocol ?? 1}) reports counts only: ${plural(c.podsTotal, 'pod')}, ${c.podsRunning} running, ${c.podsFailed} failed, in ${plural(c.namespaces, 'namespace')}. Upgrade the agent to see pods by namespace.`}
      </p>
    );
  }
  const byNs = new Map<string, Map<string, number>>();
  const extraPhases = new Set<string>();
  for (const w of props.counts) {
    if (!byNs.has(w.namespace)) byNs.set(w.namespace, new Map());
    byNs.get(w.namespace)!.set(w.phase, w.count);
    if (!PHASES.includes(w.phase)) extraPhases.add(w.phase);
  }
  const phases = [...PHASES, ...extraPhases];
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return (
    <>
      {c.podsTruncated ? (
        <p class="flash info">
          The agent's pod list was truncated: {c.podsListed} of {c.podsTotal} pods are counted here.
        </p>
      ) : (
        ''
      )}
      <p>
        <a href={`/pods?cluster=${c.id}`}>Every pod of this cluster, with usage →</a>
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Namespace</th>
              {phases.map((p) => (
                <th safe>{p}</th>
              ))}
              <th>Total</th>
            </tr>
          </thead>
          <tbody>
            {byNs.size === 0 ? (
              <EmptyRow columns={phases.length + 2}>No pods reported yet.</EmptyRow>
            ) : (
              [...byNs.entries()].map(([ns, m]) => (
                <tr>
                  <td class="mono">
                    <a href={`/pods?cluster=${c.id}&namespace=${encodeURIComponent(ns)}`} title="These pods in the pod table" safe>
                      {ns}
                    </a>
                  </td>
                  {phases.map((p) => (
                    <td>{m.get(p) ? String(m.get(p)) : <span class="muted">0</span>}</td>
                  ))}
                  <td>
                    <strong>{total(m)}</strong>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function TimelineTab(props: { entries: TimelineEntryView[]; olderUrl: string | null }): JSX.Element {
  return (
    <>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>What</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.length === 0 ? (
              <EmptyRow columns={3}>Nothing happened yet.</EmptyRow>
            ) : (
              props.entries.map((e) => (
                <tr data-entry={String(e.id)}>
                  <td>
                    <Age at={e.at} />
                  </td>
                  <td>
                    <span class="chip">{e.kind}</span>
                  </td>
                  <td class="wrap" safe>
                    {e.message}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <Pager href={props.olderUrl} label="Older →" />
    </>
  );
}
