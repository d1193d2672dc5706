// A deployment's live operations: per-cluster apply status, health and drift (with re-apply and the self-heal
// switch), and its rollout in waves (start, pause, resume, abort). Polled while the page is open. Pure.
import Html from '@kitajs/html';
import { ConfirmedPost } from '../shared/confirmed-post';
import { RelativeTime } from '../shared/time';

export type HealthWord = 'Healthy' | 'Progressing' | 'Missing' | 'Degraded' | 'Unknown';

export type DriftedObjectView = { kind: string; namespace: string; name: string; fields: string[] };

export type ClusterOpsView = {
  clusterId: string;
  clusterName: string;
  /** The apply path's word (pending / applying / applied / failed / deleting / deleted). */
  status: string;
  appliedRevision: number | null;
  desiredRevision: number | null;
  error: string | null;
  lastSyncAt: Date | null;
  health: HealthWord;
  healthMessage: string;
  drift: DriftedObjectView[];
};

export type RolloutClusterRowView = { clusterId: string; clusterName: string; wave: number; state: string; message: string | null };

export type DeploymentRolloutView = {
  id: string;
  revision: number;
  status: 'running' | 'paused' | 'completed' | 'aborted';
  pauseReason: string | null;
  currentWave: number;
  waveCount: number;
  healthySeconds: number;
  createdAt: Date;
  finishedAt: Date | null;
  clusters: RolloutClusterRowView[];
};

export type DeploymentOpsProps = {
  deploymentId: string;
  latestRevision: number;
  clusters: ClusterOpsView[];
  /** The active rollout, else the newest finished one; null when there was none. */
  rollout: DeploymentRolloutView | null;
  selfHeal: boolean;
  canOperate: boolean;
  csrfToken: string;
  defaultHealthySeconds: number;
  maxHealthySeconds: number;
};

export const DEPLOYMENT_OPS_ID = 'deployment-ops';

const HEALTH_BADGE: Record<HealthWord, string> = { Healthy: 'healthy', Progressing: 'running', Missing: 'warning', Degraded: 'critical', Unknown: 'offline' };
const APPLY_BADGE: Record<string, string> = {
  pending: 'pending',
  applying: 'running',
  applied: 'healthy',
  failed: 'failed',
  deleting: 'pending',
  deleted: 'offline',
};
const ROLLOUT_BADGE: Record<DeploymentRolloutView['status'], string> = { running: 'running', paused: 'warning', completed: 'completed', aborted: 'offline' };
const MEMBER_BADGE: Record<string, string> = { waiting: 'pending', applying: 'running', done: 'completed', failed: 'failed', skipped: 'offline' };

/** The live operations fragment; the deployment page includes it and its own route renders it again. */
export function DeploymentOps(props: DeploymentOpsProps): JSX.Element {
  const base = `/deployments/${props.deploymentId}`;
  return (
    <div id={DEPLOYMENT_OPS_ID} hx-get={`${base}/ops`} hx-trigger="every 5s" hx-swap="outerMorph">
      <div class="row page-head">
        <h2>Clusters</h2>
        <span class="spacer"></span>
        <span class={`badge ${props.selfHeal ? 'healthy' : 'offline'}`} data-self-heal={props.selfHeal ? 'on' : 'off'}>
          {props.selfHeal ? 'Self-heal on' : 'Self-heal off'}
        </span>
        {props.canOperate ? (
          <ConfirmedPost
            action={`${base}/self-heal`}
            confirm={
              props.selfHeal
                ? 'Turn self-heal off? Drift will only be shown.'
                : 'Turn self-heal on? Drift is re-applied automatically (at most once a minute, slower if it keeps coming back).'
            }
            csrfToken={props.csrfToken}
            label={props.selfHeal ? 'Turn self-heal off' : 'Turn self-heal on'}
            fields={{ enabled: props.selfHeal ? 'false' : 'true' }}
          />
        ) : (
          ''
        )}
      </div>
      <ClusterTable {...props} />
      <RolloutPanel {...props} />
    </div>
  );
}

function ClusterTable(props: DeploymentOpsProps): JSX.Element {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Cluster</th>
            <th>Apply</th>
            <th>Revision</th>
            <th>Health</th>
            <th>Last sync</th>
            <th>Drift</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {props.clusters.length === 0 ? (
            <tr>
              <td colspan="7" class="empty">
                Not applied to any cluster yet.
              </td>
            </tr>
          ) : (
            props.clusters.map((c) => (
              <tr data-cluster={c.clusterId} data-apply-status={c.status} data-health={c.health}>
                <td>
                  <a href={`/clusters/${c.clusterId}`} safe>
                    {c.clusterName}
                  </a>
                </td>
                <td>
                  <span class={`badge ${APPLY_BADGE[c.status] ?? ''}`} safe>
                    {c.status}
                  </span>
                  {c.error ? (
                    <div class="muted" data-apply-error safe>
                      {c.error}
                    </div>
                  ) : (
                    ''
                  )}
                </td>
                <td safe>
                  {c.appliedRevision === null
                    ? '—'
                    : `${c.appliedRevision}${c.desiredRevision !== null && c.desiredRevision !== c.appliedRevision ? ` → ${c.desiredRevision}` : ''}`}
                </td>
                <td>
                  <span class={`badge ${HEALTH_BADGE[c.health]}`} title={c.healthMessage}>
                    {c.health}
                  </span>
                  {c.healthMessage ? (
                    <div class="muted" safe>
                      {c.healthMessage}
                    </div>
                  ) : (
                    ''
                  )}
                </td>
                <td>{c.lastSyncAt ? <RelativeTime at={c.lastSyncAt} style="ago" /> : '—'}</td>
                <td>
                  <DriftList drift={c.drift} />
                </td>
                <td>
                  {props.canOperate && (c.appliedRevision ?? c.desiredRevision) !== null ? (
                    <ConfirmedPost
                      action={`/deployments/${props.deploymentId}/clusters/${c.clusterId}/reapply`}
                      confirm={`Apply revision ${c.appliedRevision ?? c.desiredRevision} to ${c.clusterName} again?`}
                      csrfToken={props.csrfToken}
                      label="Re-apply"
                    />
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

/** Drifted objects with the fields that differ from the applied revision; "In sync" when none. */
export function DriftList(props: { drift: DriftedObjectView[] }): JSX.Element {
  if (props.drift.length === 0) return <span class="muted">In sync</span>;
  return (
    <ul class="plain" data-drift>
      {props.drift.map((d) => (
        <li>
          <span class="badge warning">Drift</span> <span class="mono" safe>{`${d.kind} ${d.namespace}/${d.name}`}</span>
          {': '}
          <span class="mono" data-drift-fields safe>
            {d.fields.join(', ')}
          </span>
        </li>
      ))}
    </ul>
  );
}

function RolloutPanel(props: DeploymentOpsProps): JSX.Element {
  const r = props.rollout;
  const base = `/deployments/${props.deploymentId}`;
  const active = r !== null && (r.status === 'running' || r.status === 'paused');
  return (
    <section data-rollout-panel>
      <div class="row page-head">
        <h2>Rollout in waves</h2>
        {r ? (
          <span class={`badge ${ROLLOUT_BADGE[r.status]}`} data-rollout-status={r.status} safe>
            {`${r.status[0].toUpperCase()}${r.status.slice(1)}`}
          </span>
        ) : (
          ''
        )}
        <span class="spacer"></span>
        {props.canOperate && r?.status === 'running' ? (
          <ConfirmedPost
            action={`${base}/rollouts/${r.id}/pause`}
            confirm="Pause this rollout? No further wave starts."
            csrfToken={props.csrfToken}
            label="Pause"
          />
        ) : (
          ''
        )}
        {props.canOperate && r?.status === 'paused' ? (
          <ConfirmedPost
            action={`${base}/rollouts/${r.id}/resume`}
            confirm="Resume? Failed clusters are applied again and must turn Healthy."
            csrfToken={props.csrfToken}
            label="Resume"
          />
        ) : (
          ''
        )}
        {props.canOperate && active ? (
          <ConfirmedPost
            action={`${base}/rollouts/${r!.id}/abort`}
            confirm="Abort this rollout? Clusters already applied keep the revision."
            csrfToken={props.csrfToken}
            label="Abort"
          />
        ) : (
          ''
        )}
      </div>
      {r?.pauseReason ? (
        <div class="flash error" data-pause-reason safe>
          {`Paused: ${r.pauseReason}`}
        </div>
      ) : (
        ''
      )}
      {r ? (
        <>
          <p class="muted">
            <span safe>{`Revision ${r.revision}, each wave applied and Healthy for ${r.healthySeconds} s before the next`}</span> · started{' '}
            <RelativeTime at={r.createdAt} style="ago" />
          </p>
          {Array.from({ length: r.waveCount }, (_, w) => (
            <>
              <h3 safe>{`Wave ${w + 1}${w === r.currentWave && active ? ' (current)' : ''}`}</h3>
              <div class="table-wrap">
                <table>
                  <tbody>
                    {r.clusters
                      .filter((c) => c.wave === w)
                      .map((c) => (
                        <tr data-wave-cluster={c.clusterId} data-state={c.state}>
                          <td safe>{c.clusterName}</td>
                          <td>
                            <span class={`badge ${MEMBER_BADGE[c.state] ?? ''}`} safe>
                              {c.state}
                            </span>
                          </td>
                          <td safe>{c.message ?? ''}</td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </div>
            </>
          ))}
        </>
      ) : (
        ''
      )}
      {props.canOperate && !active && props.latestRevision > 0 ? (
        <form method="post" action={`${base}/rollouts`} class="inline-form" data-start-rollout>
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <label>
            Revision <input type="number" name="revision" min="1" max={String(props.latestRevision)} value={String(props.latestRevision)} required />
          </label>
          <label>
            Healthy for (s){' '}
            <input type="number" name="healthySeconds" min="0" max={String(props.maxHealthySeconds)} value={String(props.defaultHealthySeconds)} required />
          </label>
          <button>Roll out in waves</button>
          <span class="muted">One cluster first, then 10 %, then the rest; production last.</span>
        </form>
      ) : (
        ''
      )}
    </section>
  );
}

export type ClusterDriftView = { deploymentId: string; deploymentName: string; revision: number | null; drift: DriftedObjectView[] };

export const CLUSTER_DRIFT_ID = 'cluster-deployment-drift';

/** The cluster's Deployments tab's drift block: deployments whose objects drifted here, with re-apply. */
export type ClusterDriftProps = { clusterId: string; rows: ClusterDriftView[]; canOperate: boolean; csrfToken: string };

export function ClusterDrift(props: ClusterDriftProps): JSX.Element {
  return (
    <div id={CLUSTER_DRIFT_ID} hx-get={`/clusters/${props.clusterId}/deployments/drift`} hx-trigger="every 5s" hx-swap="outerMorph">
      <h3>Drift</h3>
      {props.rows.length === 0 ? (
        <p class="muted">Every managed object matches its applied revision.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <tbody>
              {props.rows.map((r) => (
                <tr data-drift-deployment={r.deploymentId}>
                  <td>
                    <a href={`/deployments/${r.deploymentId}`} safe>
                      {r.deploymentName}
                    </a>
                  </td>
                  <td>
                    <DriftList drift={r.drift} />
                  </td>
                  <td>
                    {props.canOperate && r.revision !== null ? (
                      <ConfirmedPost
                        action={`/deployments/${r.deploymentId}/clusters/${props.clusterId}/reapply`}
                        confirm={`Apply revision ${r.revision} again on this cluster?`}
                        csrfToken={props.csrfToken}
                        label="Re-apply"
                        fields={{ from: 'cluster' }}
                      />
                    ) : (
                      ''
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
