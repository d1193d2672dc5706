import Html from '@kitajs/html';
import type { ContainerDetail, PodDetail } from '../../src/contract';
import { Age, formatBytes, formatCpu } from '../clusters/parts';
import type { ClusterStatus } from '../../src/clusters/vocabulary';
import type { PodProblem } from '../../src/pods/vocabulary';
import { PROBLEM_TEXT, PodStatusBadge, podLoadLevel, usageBase } from './parts';
import { RelativeTime } from '../shared/time';
import { podPath } from './filters';
import { POD_DRAWER_ID } from './table';
import { PodChart, type ChartProps, type MetricsState } from './drawer-chart';
import { CopyButton, Name } from '../shared/names';
import { WorkloadFindings } from '../policies/findings';

export { POD_CHART_ID, PodChart, type ChartData, type ChartProps, type MetricsState } from './drawer-chart';

export const POD_DRAWER_LIVE_ID = 'pod-drawer-live';
export const POD_DRAWER_DETAILS_ID = 'pod-drawer-details';

export type DrawerCluster = { id: string; name: string; status: ClusterStatus; lastHeartbeatAt: Date | null; logsEnabled: boolean };

/** The pod as its latest heartbeat described it; its usage comes separately (DrawerLiveProps.usage). */
export type DrawerPod = Omit<PodDetail, 'cpuUsageMilli' | 'memUsageBytes' | 'containerDetails'> & {
  containerDetails: Omit<ContainerDetail, 'cpuUsageMilli' | 'memUsageBytes'>[];
};

export type DrawerLiveProps = {
  cluster: DrawerCluster;
  namespace: string;
  name: string;
  /** Null when the latest heartbeat no longer lists the pod. */
  pod: DrawerPod | null;
  usage: { cpuMilli: number | null; memBytes: number | null; at: Date } | null;
  metrics: MetricsState;
  problems: PodProblem[];
};

/** The policy findings of the pod's workload (absent when the pod is gone). */
export type DrawerPolicies = Parameters<typeof WorkloadFindings>[0];

export type PodDrawerProps = DrawerLiveProps & { chart: ChartProps; closeUrl: string; policies?: DrawerPolicies };

function Tile(props: { label: string; children?: JSX.Element | JSX.Element[] | string; attrs?: Record<string, string> }): JSX.Element {
  return (
    <div class="tile" {...(props.attrs ?? {})}>
      <div class="muted small" safe>
        {props.label}
      </div>
      {props.children as 'safe'}
    </div>
  );
}

/** Usage against request and limit, each with its % bar. */
function UsageTile(props: {
  label: string;
  kind: 'cpu' | 'memory';
  used: number | null;
  request: number;
  limit: number;
  unavailable: string | null;
}): JSX.Element {
  const format = props.kind === 'cpu' ? formatCpu : formatBytes;
  const bar = (total: number, of: 'limit' | 'request') => {
    if (props.used === null || total <= 0) {
      return (
        <div class="small muted" safe>
          {`${of}: ${total > 0 ? format(total) : 'not set'}`}
        </div>
      );
    }
    const pct = Math.round((props.used / total) * 100);
    const level = podLoadLevel(pct, of);
    return (
      <div class="usage" data-pct-of={of} data-pct={String(pct)}>
        <div class={`bar ${level}`} data-load={level}>
          <span style={`width:${Math.min(100, pct)}%`}></span>
        </div>
        <small safe>{`${pct}% of ${of} (${format(total)})`}</small>
      </div>
    );
  };
  return (
    <Tile label={props.label} attrs={{ 'data-usage-tile': props.kind }}>
      {props.used === null ? (
        <div class="v muted" title={props.unavailable ?? ''}>
          —
        </div>
      ) : (
        <div class="v" safe>
          {format(props.used)}
        </div>
      )}
      {bar(props.request, 'request')}
      {bar(props.limit, 'limit')}
      {usageBase(props.request, props.limit) ? '' : <small class="muted">no request or limit set</small>}
    </Tile>
  );
}

function ContainerRows(props: { pod: DrawerPod }): JSX.Element {
  return (
    <div class="table-wrap">
      <table class="containers fit">
        <thead>
          <tr>
            <th>Container</th>
            <th class="col-state">State</th>
            <th class="col-ready">Ready</th>
            <th class="col-restarts">Restarts</th>
            <th class="col-termination">Last termination</th>
            <th class="col-probes">Probes</th>
            <th class="col-resources">Requests / limits</th>
          </tr>
        </thead>
        <tbody>
          {props.pod.containerDetails.map((c) => (
            <tr data-container={c.name}>
              <td class="container-name">
                <strong>
                  <Name text={c.name} mono what="container name" />
                </strong>
                {c.kind !== 'app' ? <span class="chip">{c.kind}</span> : ''}
                {c.privileged ? <span class="chip privileged">privileged</span> : ''}
                <div class="small">
                  <Name text={c.image} mono what="image" />
                </div>
              </td>
              <td class="wrap">
                <span>{c.state}</span>
                {c.stateReason ? <strong safe>{` · ${c.stateReason}`}</strong> : ''}
                {c.exitCode !== undefined ? <span safe>{` (exit ${c.exitCode})`}</span> : ''}
                {c.stateMessage ? (
                  <div class="small muted" safe>
                    {c.stateMessage}
                  </div>
                ) : (
                  ''
                )}
              </td>
              <td>{c.ready ? 'yes' : 'no'}</td>
              <td safe>{String(c.restarts)}</td>
              <td class="wrap" data-last-termination>
                {c.lastTerminationReason ? (
                  <>
                    <strong safe>{c.lastTerminationReason}</strong>
                    {c.lastTerminationExitCode !== undefined ? <span safe>{` (exit ${c.lastTerminationExitCode})`}</span> : ''}
                    {c.lastTerminatedAt ? (
                      <div class="small muted">
                        <Age at={new Date(c.lastTerminatedAt * 1000)} />
                      </div>
                    ) : (
                      ''
                    )}
                  </>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
              <td safe>
                {[c.hasLivenessProbe ? 'liveness' : '', c.hasReadinessProbe ? 'readiness' : '', c.hasStartupProbe ? 'startup' : '']
                  .filter(Boolean)
                  .join(', ') || 'none'}
              </td>
              <td class="small" safe>
                {`CPU ${c.cpuRequestMilli ? formatCpu(c.cpuRequestMilli) : '—'} / ${c.cpuLimitMilli ? formatCpu(c.cpuLimitMilli) : '—'} · memory ${c.memRequestBytes ? formatBytes(c.memRequestBytes) : '—'} / ${c.memLimitBytes ? formatBytes(c.memLimitBytes) : '—'}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The drawer's upper polled part (every 5 s): state, why it is stuck, usage tiles. */
export function PodDrawerLive(props: DrawerLiveProps): JSX.Element {
  const p = props.pod;
  const path = podPath(props.cluster.id, props.namespace, props.name);
  const unavailable = props.metrics.available ? null : props.metrics.reason;
  return (
    <div id={POD_DRAWER_LIVE_ID} hx-get={`${path}/live`} hx-trigger="every 5s" hx-swap="outerMorph">
      {!p ? (
        <p class="flash info" data-pod-gone>
          The cluster's latest heartbeat (<Age at={props.cluster.lastHeartbeatAt} />) no longer lists this pod.
        </p>
      ) : (
        <>
          <div class="row">
            <PodStatusBadge status={p.status} />
            <span class="muted" safe>{`phase ${p.phase}`}</span>
            {props.problems.map((x) => (
              <span class="chip problem" safe>
                {PROBLEM_TEXT[x] ?? x}
              </span>
            ))}
          </div>
          {p.message ? (
            <p class="flash info" safe>
              {p.message}
            </p>
          ) : (
            ''
          )}
          <div class="grid tiles">
            <Tile label="Ready" attrs={{ 'data-tile': 'ready' }}>
              <div class="v" safe>
                {p.ready}
              </div>
            </Tile>
            <Tile label="Restarts" attrs={{ 'data-tile': 'restarts' }}>
              <div class="v" safe>
                {String(p.restarts)}
              </div>
            </Tile>
            <Tile label="Age" attrs={{ 'data-tile': 'age' }}>
              <div class="v">{p.createdUnix ? <RelativeTime at={new Date(p.createdUnix * 1000)} style="age" /> : '—'}</div>
              {p.startedUnix ? (
                <small class="muted">
                  started <RelativeTime at={new Date(p.startedUnix * 1000)} style="ago" />
                </small>
              ) : (
                ''
              )}
            </Tile>
            <UsageTile
              label="CPU"
              kind="cpu"
              used={props.usage?.cpuMilli ?? null}
              request={p.cpuRequestMilli}
              limit={p.cpuLimitMilli}
              unavailable={unavailable}
            />
            <UsageTile
              label="Memory"
              kind="memory"
              used={props.usage?.memBytes ?? null}
              request={p.memRequestBytes}
              limit={p.memLimitBytes}
              unavailable={unavailable}
            />
          </div>
          {props.metrics.available ? (
            props.usage ? (
              <p class="small muted">
                Usage as of <Age at={props.usage.at} /> (metrics.k8s.io, through the cluster's last heartbeat).
              </p>
            ) : (
              ''
            )
          ) : (
            <p class="flash info" data-metrics-unavailable safe>
              {`Metrics unavailable: ${props.metrics.reason}`}
            </p>
          )}
        </>
      )}
    </div>
  );
}

/** The drawer's lower polled part (every 10 s): containers and metadata. */
export function PodDrawerDetails(props: DrawerLiveProps): JSX.Element {
  const p = props.pod;
  const path = podPath(props.cluster.id, props.namespace, props.name);
  return (
    <div id={POD_DRAWER_DETAILS_ID} hx-get={`${path}/details`} hx-trigger="every 10s" hx-swap="outerMorph">
      {!p ? (
        ''
      ) : (
        <>
          <h2>Containers</h2>
          <ContainerRows pod={p} />
          <h2>Details</h2>
          <dl class="kv">
            <dt>Node</dt>
            <dd class="mono" safe>
              {p.nodeName || 'not scheduled'}
            </dd>
            <dt>Pod IP</dt>
            <dd class="mono" safe>
              {p.podIP || '—'}
            </dd>
            <dt>QoS class</dt>
            <dd safe>{p.qosClass || '—'}</dd>
            <dt>Owners</dt>
            <dd data-owner-chain>
              {p.ownerChain.length === 0 ? (
                <span class="muted">none (a bare pod)</span>
              ) : (
                p.ownerChain.map((o, i) => (
                  <>
                    {i ? ' → ' : ''}
                    <span class="mono" safe>{`${o.kind}/${o.name}`}</span>
                  </>
                ))
              )}
            </dd>
            <dt>Images</dt>
            <dd>
              {[...new Set(p.containerDetails.map((c) => c.image))].map((i) => (
                <div class="mono" safe>
                  {i}
                </div>
              ))}
            </dd>
            <dt>Privileged</dt>
            <dd>{p.privileged ? 'yes — a container runs privileged' : 'no'}</dd>
            <dt>Labels</dt>
            <dd>
              {Object.keys(p.labels).length === 0 ? (
                <span class="muted">none</span>
              ) : (
                <span class="chips wrap">
                  {Object.entries(p.labels).map(([k, v]) => (
                    <span class="chip mono" safe>{`${k}=${v}`}</span>
                  ))}
                </span>
              )}
            </dd>
            {p.imagePullSecrets.length ? (
              <>
                <dt>Pull secrets</dt>
                <dd class="mono" safe>
                  {p.imagePullSecrets.join(', ')}
                </dd>
              </>
            ) : (
              ''
            )}
            <dt>UID</dt>
            <dd class="mono small" safe>
              {p.uid ?? '—'}
            </dd>
          </dl>
        </>
      )}
    </div>
  );
}

export function PodDrawer(props: PodDrawerProps): JSX.Element {
  const path = podPath(props.cluster.id, props.namespace, props.name);
  const owner = props.pod?.ownerKind ? `${props.pod.ownerKind}/${props.pod.ownerName}` : '';
  return (
    <aside class="drawer" aria-label="Pod" data-drawer-pod={`${props.cluster.id}/${props.namespace}/${props.name}`}>
      <div class="row drawer-head">
        <div>
          <div class="muted small">
            <a href={`/clusters/${props.cluster.id}`} safe>
              {props.cluster.name}
            </a>
            {' / '}
            <span class="mono" safe>
              {props.namespace}
            </span>
            {' · last heartbeat '}
            <Age at={props.cluster.lastHeartbeatAt} />
          </div>
          <h2 class="mono">
            <span safe>{props.name}</span> <CopyButton text={props.name} what="pod name" />
          </h2>
        </div>
        <span class="spacer"></span>
        <a href={props.closeUrl} class="button secondary" data-close-drawer aria-label="Close">
          ✕
        </a>
      </div>
      <div class="row actions">
        {props.cluster.logsEnabled ? (
          <a class="button" href={`${path}/logs`} title="Live tail of this pod" data-view-logs>
            View logs
          </a>
        ) : (
          // No button that can only fail: say why, and where the command that enables it is.
          <span class="muted" data-logs-off>
            Logs are off for this cluster — <a href={`/clusters/${props.cluster.id}/logs`}>how to enable them</a>
          </span>
        )}
        {owner ? (
          <a class="button secondary" href={`/pods?owner=${encodeURIComponent(owner)}&group=owner`} safe>
            {`${owner} across clusters`}
          </a>
        ) : (
          ''
        )}
      </div>
      <PodDrawerLive {...props} />
      {props.pod ? <PodChart {...props.chart} /> : ''}
      <PodDrawerDetails {...props} />
      {props.policies ? <WorkloadFindings {...props.policies} /> : ''}
    </aside>
  );
}

export { POD_DRAWER_ID };
