import Html from '@kitajs/html';
import { ClusterNameInput } from './parts';
import { ENVIRONMENTS } from '../../src/clusters/vocabulary';
import type { ClusterView } from './detail';
import { EnrollmentPanel, type EnrollmentView } from './new';
import { LABEL_RULE, MAX_CLUSTER_LABELS, labelLines } from '../../src/clusters/labels';

/** The Settings tab: rename, environment, labels, a new enrollment token while not enrolled, delete. */
export function SettingsTab(props: {
  cluster: ClusterView & { labels: Record<string, string> };
  csrfToken: string;
  canOperate: boolean;
  canDelete: boolean;
  enrollment?: EnrollmentView | null;
  error?: string | null;
  /** A refused labels form: its message and the text as typed. */
  labelsError?: { message: string; text: string } | null;
}): JSX.Element {
  const c = props.cluster;
  return (
    <>
      {props.enrollment ? <EnrollmentPanel clusterId={c.id} clusterName={c.name} enrollment={props.enrollment} /> : ''}
      {props.error ? (
        <div class="flash error" role="alert" safe>
          {props.error}
        </div>
      ) : (
        ''
      )}
      <div class="panel">
        <h2>Name and environment</h2>
        {props.canOperate ? (
          <form method="post" action={`/clusters/${c.id}/settings`} class="stack">
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <label>
              Name
              <ClusterNameInput value={c.name} />
            </label>
            <label>
              Environment
              <select name="environment">
                {ENVIRONMENTS.map((e) => (
                  <option value={e} selected={c.environment === e}>
                    {e}
                  </option>
                ))}
              </select>
            </label>
            <div>
              <button>Save</button>
            </div>
          </form>
        ) : (
          <p class="muted">Viewers can't change clusters.</p>
        )}
      </div>
      <div class="panel" id="cluster-labels">
        <h2>Labels</h2>
        <p class="muted">Deployments can target every cluster carrying a set of labels (e.g. site=berlin). One key=value per line; {LABEL_RULE as 'safe'}.</p>
        {props.labelsError ? (
          <div class="flash error" role="alert" safe>
            {props.labelsError.message}
          </div>
        ) : (
          ''
        )}
        {props.canOperate ? (
          <form method="post" action={`/clusters/${c.id}/labels`} class="stack">
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <label>
              Labels (at most {String(MAX_CLUSTER_LABELS) as 'safe'})
              <textarea name="labels" rows="5" maxlength="20000" spellcheck="false" placeholder="site=berlin" safe>
                {props.labelsError ? props.labelsError.text : labelLines(c.labels)}
              </textarea>
            </label>
            <div>
              <button>Save labels</button>
            </div>
          </form>
        ) : Object.keys(c.labels).length ? (
          <p>
            {Object.entries(c.labels).map(([k, v]) => (
              <span class="chip" safe>
                {k}={v}
              </span>
            ))}
          </p>
        ) : (
          <p class="muted">No labels.</p>
        )}
      </div>
      {!c.enrolledAt && props.canOperate ? (
        <div class="panel">
          <h2>Enrollment token</h2>
          <p class="muted">The agent has not enrolled yet. A new token replaces the previous one, which stops working.</p>
          <form method="post" action={`/clusters/${c.id}/token`}>
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <button>New enrollment token</button>
          </form>
        </div>
      ) : (
        ''
      )}
      <div class="panel">
        <h2>Delete cluster</h2>
        <p class="muted">
          Removes the cluster, its inventory, usage history and timeline from Niro, and refuses its agent from then on. The agent keeps running in the cluster
          until you uninstall it there:
        </p>
        <pre class="secret">kubectl delete namespace niro-system</pre>
        {props.canDelete ? (
          <form method="post" action={`/clusters/${c.id}/delete`} class="row" data-confirm={`Delete cluster ${c.name}? This cannot be undone.`}>
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <label class="inline">
              Type the cluster name to confirm
              <input type="text" name="confirm" required maxlength="100" autocomplete="off" />
            </label>
            <button class="danger">Delete</button>
          </form>
        ) : (
          <p class="muted">Deleting a cluster needs the admin role.</p>
        )}
      </div>
    </>
  );
}
