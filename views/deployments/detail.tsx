// One deployment: its status per cluster (polled), what an apply would reach (and why a cluster would refuse),
// apply / rollback / delete, revisions with the diff between any two, a new revision by import, its targets, and
// sections other parts of deployments add (waves, health, drift). Pure: props in, HTML out.
import Html from '@kitajs/html';
import { ConfirmedPost } from '../shared/confirmed-post';
import { RelativeTime } from '../shared/time';
import type { DiffHunk } from '../../src/deployments/diff';
import type { RevisionSource } from '../../src/deployments/vocabulary';
import { ManifestsField, TargetFields } from './list';
import { SelectorText, TargetTable, type DeploymentView, type TargetView } from './parts';

export const DEPLOYMENT_LIVE_ID = 'deployment-live';

export type CandidateView = { clusterId: string; clusterName: string; environment: string; refusal: string | null };

export type RevisionView = {
  number: number;
  source: RevisionSource;
  message: string | null;
  rollbackOf: number | null;
  gitCommit: string | null;
  createdBy: string | null;
  createdAt: Date;
  objects: number;
  sha256: string;
};

export type DeploymentLiveProps = {
  deployment: DeploymentView;
  targets: TargetView[];
  candidates: CandidateView[];
  canOperate: boolean;
  csrfToken: string;
};

/** Status per cluster and the apply button; replaces itself every 5 s while the tab is visible. */
export function DeploymentLive(props: DeploymentLiveProps): JSX.Element {
  const d = props.deployment;
  const refused = props.candidates.filter((c) => c.refusal);
  return (
    <div id={DEPLOYMENT_LIVE_ID} hx-get={`/deployments/${d.id}/live`} hx-trigger="every 5s" hx-swap="outerMorph">
      <div class="row page-head">
        <h1 safe>{d.name}</h1>
        <span class={`badge ${d.status === 'active' ? 'healthy' : 'offline'}`} data-deployment-status={d.status}>
          {d.status}
        </span>
        <span class="chip mono" safe>{`namespace ${d.namespace}`}</span>
        <span class="spacer"></span>
        {props.canOperate && d.status === 'active' && props.candidates.length > 0 ? (
          <ConfirmedPost
            action={`/deployments/${d.id}/apply`}
            confirm={`Apply revision ${d.latestRevision} of ${d.name} to ${props.candidates.length} cluster(s)?`}
            csrfToken={props.csrfToken}
            label={`Apply revision ${d.latestRevision}`}
            fields={{ revision: String(d.latestRevision) }}
          />
        ) : (
          ''
        )}
      </div>
      <p class="muted" safe>{`${d.orgName} · latest revision ${d.latestRevision}`}</p>
      <h2>Clusters</h2>
      <TargetTable
        first="Cluster"
        rows={props.targets.map((t) => ({ name: t.clusterName, href: `/clusters/${t.clusterId}/deployments`, target: t }))}
        empty="Not applied to any cluster yet."
      />
      {d.status === 'active' ? (
        <>
          <h3>An apply now reaches</h3>
          {props.candidates.length === 0 ? (
            <p class="muted">No cluster: set its targets below (clusters, environments or labels).</p>
          ) : (
            <ul data-candidates>
              {props.candidates.map((c) => (
                <li data-candidate={c.clusterName}>
                  <span safe>{`${c.clusterName} (${c.environment})`}</span>
                  {c.refusal ? (
                    <>
                      {' '}
                      —{' '}
                      <span class="warn" data-refusal safe>
                        {c.refusal}
                      </span>
                    </>
                  ) : (
                    ' — apply enabled'
                  )}
                </li>
              ))}
            </ul>
          )}
          {refused.length ? (
            <div class="flash error" data-apply-blocked safe>
              {`An apply to all targets would be refused before anything is queued: ${refused.length} cluster(s) lack the apply capability.`}
            </div>
          ) : (
            ''
          )}
        </>
      ) : (
        ''
      )}
    </div>
  );
}

export type DeploymentPageProps = DeploymentLiveProps & {
  revisions: RevisionView[];
  selector: { clusterNames: string[]; environments: string[]; labels: Record<string, string> };
  targetForm: { clusters: { id: string; name: string; environment: string }[]; environments: string[]; labels: string; clusterIds: string[] };
  /** A refused form on this page, with what was typed. */
  error?: string | null;
  manifests?: string;
  /** Panels other parts of deployments render (waves, health, drift), in order. */
  sections: JSX.Element[];
};

export function DeploymentPage(props: DeploymentPageProps): JSX.Element {
  const d = props.deployment;
  const active = d.status === 'active';
  const latest = props.revisions[0]?.number ?? d.latestRevision;
  return (
    <>
      <p class="muted">
        <a href="/deployments">Deployments</a> / <span safe>{d.name}</span>
      </p>
      {props.error ? (
        <div class="flash error" role="alert" safe>
          {props.error}
        </div>
      ) : (
        ''
      )}
      <DeploymentLive {...props} />
      {props.sections.map((s) => s)}
      <div class="panel">
        <h2>Revisions</h2>
        <form method="get" action={`/deployments/${d.id}/diff`} class="row">
          <label class="inline">
            Compare revision <input type="number" name="from" min="1" max={String(d.latestRevision)} value={String(Math.max(1, latest - 1))} required />
          </label>
          <label class="inline">
            with <input type="number" name="to" min="1" max={String(d.latestRevision)} value={String(latest)} required />
          </label>
          <button class="secondary">Show diff</button>
        </form>
        <div class="table-wrap">
          <table data-revisions>
            <thead>
              <tr>
                <th>Revision</th>
                <th>Source</th>
                <th>Objects</th>
                <th>Message</th>
                <th>By</th>
                <th>When</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {props.revisions.map((r) => (
                <tr data-revision={String(r.number)}>
                  <td>
                    <a href={`/deployments/${d.id}/revisions/${r.number}`} safe>
                      {String(r.number)}
                    </a>
                  </td>
                  <td>{r.source === 'rollback' && r.rollbackOf !== null ? `rollback to ${r.rollbackOf}` : r.source}</td>
                  <td safe>{String(r.objects)}</td>
                  <td safe>{r.message ?? (r.gitCommit ? `commit ${r.gitCommit.slice(0, 12)}` : '')}</td>
                  <td safe>{r.createdBy ?? ''}</td>
                  <td>
                    <RelativeTime at={r.createdAt} style="ago" />
                  </td>
                  <td>
                    {r.number > 1 ? (
                      <a href={`/deployments/${d.id}/diff?from=${r.number - 1}&to=${r.number}`} class="muted">
                        diff
                      </a>
                    ) : (
                      ''
                    )}{' '}
                    {props.canOperate && active && r.number !== d.latestRevision ? (
                      <ConfirmedPost
                        action={`/deployments/${d.id}/rollback`}
                        confirm={`Roll ${d.name} back to revision ${r.number}? This makes a new revision with its content and applies it to every target.`}
                        csrfToken={props.csrfToken}
                        label={`Roll back to ${r.number}`}
                        fields={{ revision: String(r.number) }}
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
      </div>
      {props.canOperate && active ? (
        <>
          <div class="panel" id="new-revision">
            <h2>New revision</h2>
            <p class="muted">Paste the full manifests of the next revision. Saving makes a revision; Apply puts it on the clusters.</p>
            <form method="post" action={`/deployments/${d.id}/revisions`} class="stack">
              <input type="hidden" name="_csrf" value={props.csrfToken} />
              <input type="hidden" name="namespace" value={d.namespace} />
              <ManifestsField value={props.manifests ?? ''} checkUrl={`/deployments/${d.id}/check`} />
              <label>
                Message
                <input type="text" name="message" maxlength="500" />
              </label>
              <label class="inline">
                <input type="checkbox" name="apply" value="1" /> Apply to every target once saved
              </label>
              <div>
                <button>Save revision</button>
              </div>
            </form>
          </div>
          <div class="panel" id="targets">
            <h2>Targets</h2>
            <p>
              Now: <SelectorText {...props.selector} />
            </p>
            <form method="post" action={`/deployments/${d.id}/targets`} class="stack">
              <input type="hidden" name="_csrf" value={props.csrfToken} />
              <TargetFields {...props.targetForm} />
              <div>
                <button class="secondary">Save targets</button>
              </div>
            </form>
          </div>
        </>
      ) : (
        ''
      )}
      {props.canOperate && d.status !== 'deleted' ? (
        <div class="panel">
          <h2>Delete deployment</h2>
          <p class="muted">Removes exactly the objects this deployment created on each cluster. Niro never deletes a namespace.</p>
          <form method="post" action={`/deployments/${d.id}/delete`} class="row" data-confirm={`Delete ${d.name} from every cluster?`}>
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <label class="inline">
              Type the deployment name to confirm
              <input type="text" name="confirm" required maxlength="100" autocomplete="off" />
            </label>
            <button class="danger">Delete</button>
          </form>
        </div>
      ) : (
        ''
      )}
    </>
  );
}

export type DiffPageProps = {
  deployment: { id: string; name: string };
  from: number;
  to: number;
  diff: { ok: true; hunks: DiffHunk[]; added: number; removed: number } | { ok: false; message: string };
};

/** The line diff of two revisions: removed lines red, added green, with both line numbers. */
export function DiffPage(props: DiffPageProps): JSX.Element {
  const d = props.deployment;
  return (
    <>
      <p class="muted">
        <a href="/deployments">Deployments</a> /{' '}
        <a href={`/deployments/${d.id}`} safe>
          {d.name}
        </a>{' '}
        / diff
      </p>
      <h1 safe>{`Revision ${props.from} → ${props.to}`}</h1>
      {!props.diff.ok ? (
        <div class="flash error" safe>
          {props.diff.message}
        </div>
      ) : props.diff.hunks.length === 0 ? (
        <p class="muted" data-diff="same">
          The two revisions hold the same manifests.
        </p>
      ) : (
        <>
          <p class="muted" safe>{`${props.diff.added} line(s) added, ${props.diff.removed} removed`}</p>
          <div class="table-wrap">
            <table class="diff mono" data-diff>
              <tbody>
                {props.diff.hunks.map((h) => (
                  <>
                    <tr class="hunk">
                      <td colspan="3" safe>{`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`}</td>
                    </tr>
                    {h.lines.map((l) => (
                      <tr class={l.type} data-line={l.type}>
                        <td class="ln" safe>
                          {l.oldLine === null ? '' : String(l.oldLine)}
                        </td>
                        <td class="ln" safe>
                          {l.newLine === null ? '' : String(l.newLine)}
                        </td>
                        <td class="code" safe>{`${l.type === 'add' ? '+' : l.type === 'remove' ? '-' : ' '} ${l.text}`}</td>
                      </tr>
                    ))}
                  </>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}

/** One revision's manifests. */
export function RevisionPage(props: { deployment: { id: string; name: string }; revision: RevisionView & { content: string } }): JSX.Element {
  const d = props.deployment;
  const r = props.revision;
  return (
    <>
      <p class="muted">
        <a href="/deployments">Deployments</a> /{' '}
        <a href={`/deployments/${d.id}`} safe>
          {d.name}
        </a>{' '}
        / revision {String(r.number) as 'safe'}
      </p>
      <h1 safe>{`Revision ${r.number}`}</h1>
      <p class="muted mono" safe>{`sha256 ${r.sha256}`}</p>
      <pre class="fix" data-revision-content safe>
        {r.content}
      </pre>
    </>
  );
}

/** The cluster's Deployments tab: each deployment on it with this cluster's status; polled. */
export function ClusterDeploymentsTab(props: { clusterId: string; rows: { id: string; name: string; target: TargetView }[] }): JSX.Element {
  return (
    <div id="cluster-deployments" hx-get={`/clusters/${props.clusterId}/deployments/live`} hx-trigger="every 5s" hx-swap="outerMorph">
      <TargetTable
        first="Deployment"
        rows={props.rows.map((r) => ({ name: r.name, href: `/deployments/${r.id}`, target: r.target }))}
        empty="No deployment has been applied to this cluster."
      />
    </div>
  );
}
