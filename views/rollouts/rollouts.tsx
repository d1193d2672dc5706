// Agent self-update rollouts: the list with the "update the fleet" action, and one rollout wave by wave
// (polled while it runs). Pure: props in, HTML out.
import Html from '@kitajs/html';
import { ConfirmedPost } from '../shared/confirmed-post';
import { RelativeTime } from '../shared/time';

export type RolloutStatusWord = 'running' | 'paused' | 'completed' | 'aborted';

export type RolloutView = {
  id: string;
  orgName: string;
  targetVersion: string;
  targetImage: string;
  status: RolloutStatusWord;
  pauseReason: string | null;
  currentWave: number;
  waveCount: number;
  createdAt: Date;
  finishedAt: Date | null;
};

export type RolloutTargetView = {
  clusterId: string;
  clusterName: string;
  environment: string;
  wave: number;
  state: string;
  fromVersion: string | null;
  agentVersion: string | null;
  message: string | null;
};

const ROLLOUT_STATUS_WORD: Record<RolloutStatusWord, string> = { running: 'Running', paused: 'Paused', completed: 'Completed', aborted: 'Aborted' };
const STATUS_BADGE: Record<RolloutStatusWord, string> = { running: 'running', paused: 'warning', completed: 'completed', aborted: 'offline' };
const STATE_BADGE: Record<string, string> = { waiting: 'pending', updating: 'running', done: 'completed', failed: 'failed', skipped: 'offline' };

export const ROLLOUT_LIVE_ID = 'rollout-live';

export type RolloutsPageProps = {
  rollouts: RolloutView[];
  offeredVersion: string;
  offeredImage: string;
  /** Orgs where the caller may start a fleet rollout (admin). */
  orgs: { id: string; name: string }[];
  csrfToken: string;
};

export function RolloutsPage(props: RolloutsPageProps): JSX.Element {
  return (
    <>
      <div class="row page-head">
        <h1>Agent updates</h1>
      </div>
      <div class="panel">
        <p>
          This server offers agent <strong safe>{props.offeredVersion}</strong> (
          <span class="mono" safe>
            {props.offeredImage}
          </span>
          ). A fleet update rolls every cluster of an organization (and its children) in waves: one cluster, then 10 %, then the rest, production last. A wave
          proceeds only when its agents heartbeat with the new version; one that does not come back pauses the rollout.
        </p>
        <p class="muted">
          Clusters update only with the self-update capability: re-run the install command with <span class="mono">NIRO_ENABLE_SELF_UPDATE=1</span> (an opt-in
          role that lets the agent patch only its own Deployment, niro-system/niro-agent).
        </p>
        {props.orgs.map((o) => (
          <ConfirmedPost
            action="/rollouts"
            confirm={`Roll every agent in ${o.name} to ${props.offeredVersion}?`}
            csrfToken={props.csrfToken}
            label={`Update the fleet of ${o.name}`}
            fields={{ orgId: o.id }}
          />
        ))}
      </div>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Status</th>
              <th>Version</th>
              <th>Organization</th>
              <th>Wave</th>
              <th>Started</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {props.rollouts.length === 0 ? (
              <tr>
                <td colspan="6" class="empty">
                  No agent updates yet.
                </td>
              </tr>
            ) : (
              props.rollouts.map((r) => (
                <tr data-rollout={r.id}>
                  <td>
                    <a href={`/rollouts/${r.id}`}>
                      <span class={`badge ${STATUS_BADGE[r.status]}`} safe>
                        {ROLLOUT_STATUS_WORD[r.status]}
                      </span>
                    </a>
                  </td>
                  <td class="mono" safe>
                    {r.targetVersion}
                  </td>
                  <td safe>{r.orgName}</td>
                  <td safe>{`${Math.min(r.currentWave + 1, r.waveCount)} of ${r.waveCount}`}</td>
                  <td>
                    <RelativeTime at={r.createdAt} style="ago" />
                  </td>
                  <td safe>{r.pauseReason ?? ''}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}

export type RolloutLiveProps = { rollout: RolloutView; targets: RolloutTargetView[]; canOperate: boolean; csrfToken: string };

/** The rollout and its clusters; polls itself while it can still change. */
export function RolloutLive(props: RolloutLiveProps): JSX.Element {
  const r = props.rollout;
  const active = r.status === 'running' || r.status === 'paused';
  const waves = Array.from({ length: r.waveCount }, (_, w) => props.targets.filter((x) => x.wave === w && x.state !== 'skipped'));
  const skipped = props.targets.filter((x) => x.state === 'skipped');
  return (
    <div id={ROLLOUT_LIVE_ID} {...(active ? { 'hx-get': `/rollouts/${r.id}/live`, 'hx-trigger': 'every 5s', 'hx-swap': 'outerMorph' } : {})}>
      <div class="row page-head">
        <h1 safe>{`Agent update to ${r.targetVersion}`}</h1>
        <span class={`badge ${STATUS_BADGE[r.status]}`} data-rollout-status={r.status} safe>
          {ROLLOUT_STATUS_WORD[r.status]}
        </span>
        <span class="spacer"></span>
        {props.canOperate && r.status === 'running' ? (
          <ConfirmedPost action={`/rollouts/${r.id}/pause`} confirm="Pause this rollout?" csrfToken={props.csrfToken} label="Pause" />
        ) : (
          ''
        )}
        {props.canOperate && r.status === 'paused' ? (
          <ConfirmedPost
            action={`/rollouts/${r.id}/resume`}
            confirm="Resume? Clusters that timed out are told again."
            csrfToken={props.csrfToken}
            label="Resume"
          />
        ) : (
          ''
        )}
        {props.canOperate && active ? (
          <ConfirmedPost action={`/rollouts/${r.id}/abort`} confirm="Abort this rollout for good?" csrfToken={props.csrfToken} label="Abort" />
        ) : (
          ''
        )}
      </div>
      {r.pauseReason ? (
        <div class="flash error" data-pause-reason safe>
          {`Paused: ${r.pauseReason}`}
        </div>
      ) : (
        ''
      )}
      <p class="muted">
        <span class="mono" safe>
          {r.targetImage}
        </span>{' '}
        · <span safe>{r.orgName}</span> · started <RelativeTime at={r.createdAt} style="ago" />
      </p>
      {waves.map((targets, w) => (
        <>
          <h2 safe>{`Wave ${w + 1}${w === r.currentWave && active ? ' (current)' : ''}`}</h2>
          <TargetTable targets={targets} />
        </>
      ))}
      {skipped.length > 0 ? (
        <>
          <h2>Skipped</h2>
          <TargetTable targets={skipped} />
        </>
      ) : (
        ''
      )}
    </div>
  );
}

function TargetTable(props: { targets: RolloutTargetView[] }): JSX.Element {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Cluster</th>
            <th>Environment</th>
            <th>State</th>
            <th>From</th>
            <th>Reports now</th>
            <th>Note</th>
          </tr>
        </thead>
        <tbody>
          {props.targets.map((x) => (
            <tr data-target={x.clusterId}>
              <td>
                <a href={`/clusters/${x.clusterId}`} safe>
                  {x.clusterName}
                </a>
              </td>
              <td safe>{x.environment}</td>
              <td>
                <span class={`badge ${STATE_BADGE[x.state] ?? ''}`} safe>
                  {x.state}
                </span>
              </td>
              <td class="mono" safe>
                {x.fromVersion ?? '—'}
              </td>
              <td class="mono" safe>
                {x.agentVersion ?? '—'}
              </td>
              <td safe>{x.message ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
