import Html from '@kitajs/html';
import { RelativeTime } from '../shared/time';
import { SYNC_STATUS_LABELS, type GitAuth, type PrFinding, type SyncStatus } from '../../src/gitops/vocabulary';

/** The element htmx refreshes with the sync status (the deployment page embeds the same fragment). */
export const GIT_SECTION_ID = 'git-source';

export type GitSourceView = {
  deploymentId: string;
  url: string;
  ref: string;
  path: string;
  auth: GitAuth;
  username: string | null;
  credentialSet: boolean;
  knownHosts: string | null;
  webhookSecretSet: boolean;
  /** Where the Git server POSTs (relative to the server's public URL). */
  webhookPath: string;
  autoApply: boolean;
  intervalSeconds: number;
  status: SyncStatus;
  error: string | null;
  lastCommit: string | null;
  lastRevision: number | null;
  lastSyncedAt: Date | null;
  lastAttemptAt: Date | null;
};

export type PullRequestView = {
  number: number;
  title: string;
  url: string;
  state: 'open' | 'closed';
  headSha: string;
  touches: boolean;
  findings: PrFinding[];
  error: string | null;
  reportError: string | null;
};

const STATUS_CLASS: Record<SyncStatus, string> = { pending: 'unknown', synced: 'healthy', out_of_sync: 'warning', failed: 'critical' };

/** The sync status line: "Synced at abc123 (revision 4)", "Out of sync with Git at abc123", or the error. */
export function GitSyncStatus(props: { source: GitSourceView; canManage: boolean; csrfToken: string }): JSX.Element {
  const s = props.source;
  const commit = s.lastCommit ? s.lastCommit.slice(0, 12) : null;
  return (
    <div class="git-status">
      <p>
        <span class={`badge ${STATUS_CLASS[s.status]}`} data-sync-status={s.status} safe>
          {SYNC_STATUS_LABELS[s.status]}
        </span>{' '}
        {s.status === 'synced' && commit ? (
          <span safe>{`at ${commit}${s.lastRevision ? ` (revision ${s.lastRevision})` : ''}`}</span>
        ) : s.status === 'out_of_sync' && commit ? (
          <span data-out-of-sync safe>{`Out of sync with Git at ${commit}: revision ${s.lastRevision ?? '?'} is not applied yet.`}</span>
        ) : (
          ''
        )}
        {s.lastSyncedAt ? (
          <span class="muted">
            {' '}
            · last synced <RelativeTime at={s.lastSyncedAt} style="ago" />
          </span>
        ) : (
          ''
        )}
      </p>
      {s.status === 'failed' && s.error ? (
        <p class="flash error" data-sync-error safe>
          {s.error}
        </p>
      ) : (
        ''
      )}
      {props.canManage ? (
        <div class="row actions">
          <form method="post" action={`/deployments/${s.deploymentId}/git/sync`}>
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <button class="secondary">Sync now</button>
          </form>
          {s.status === 'out_of_sync' && s.lastRevision ? (
            <form method="post" action={`/deployments/${s.deploymentId}/git/apply`}>
              <input type="hidden" name="_csrf" value={props.csrfToken} />
              <button safe>{`Apply revision ${s.lastRevision}`}</button>
            </form>
          ) : (
            ''
          )}
        </div>
      ) : (
        ''
      )}
    </div>
  );
}

/** The Git section of a deployment: where from, the sync status (the section refreshes itself every 5 s), pull requests. */
export function GitSourceSection(props: { source: GitSourceView; pullRequests: PullRequestView[]; canManage: boolean; csrfToken: string }): JSX.Element {
  const s = props.source;
  return (
    <section id={GIT_SECTION_ID} hx-get={`/deployments/${s.deploymentId}/git/section`} hx-trigger="every 5s" hx-swap="outerMorph">
      <h2>
        Git{' '}
        <a href={`/deployments/${s.deploymentId}/git`} class="muted">
          settings
        </a>
      </h2>
      <dl class="facts">
        <dt>Repository</dt>
        <dd class="mono" safe>
          {s.url}
        </dd>
        <dt>Ref</dt>
        <dd class="mono" safe>
          {s.ref}
        </dd>
        <dt>Path</dt>
        <dd class="mono" safe>
          {s.path || '/'}
        </dd>
        <dt>Apply</dt>
        <dd>{s.autoApply ? 'Automatically on every new commit' : 'On a click (out of sync until then)'}</dd>
        <dt>Schedule</dt>
        <dd>{s.intervalSeconds > 0 ? `Every ${s.intervalSeconds} s, on push webhooks and on demand` : 'On push webhooks and on demand'}</dd>
      </dl>
      <GitSyncStatus source={s} canManage={props.canManage} csrfToken={props.csrfToken} />
      <PullRequestFindings pullRequests={props.pullRequests} />
    </section>
  );
}

export function PullRequestFindings(props: { pullRequests: PullRequestView[] }): JSX.Element {
  if (props.pullRequests.length === 0) return <p class="muted">No pull requests checked yet.</p>;
  return (
    <div class="table-wrap">
      <table id="git-pull-requests">
        <thead>
          <tr>
            <th>Pull request</th>
            <th>Head</th>
            <th>Findings at PR time</th>
          </tr>
        </thead>
        <tbody>
          {props.pullRequests.map((p) => (
            <tr data-pr={String(p.number)}>
              <td>
                <a href={p.url} safe>{`#${p.number} ${p.title}`}</a>
                {p.state === 'closed' ? <span class="muted"> (closed)</span> : ''}
              </td>
              <td class="mono" safe>
                {p.headSha.slice(0, 12)}
              </td>
              <td>
                {p.error ? (
                  <span class="badge critical" safe>{`Render failed: ${p.error}`}</span>
                ) : !p.touches ? (
                  <span class="muted">Does not change this deployment</span>
                ) : p.findings.length === 0 ? (
                  <span class="badge healthy">No findings</span>
                ) : (
                  <ul class="findings">
                    {p.findings.map((f) => (
                      <li>
                        <span class={`badge ${f.severity === 'high' ? 'critical' : 'warning'}`}>{f.severity}</span> <strong safe>{f.title}</strong>{' '}
                        <span class="mono" safe>
                          {f.subject}
                        </span>
                        : <span safe>{f.message}</span>
                        <details>
                          <summary>Fix</summary>
                          <pre safe>{f.fix}</pre>
                        </details>
                      </li>
                    ))}
                  </ul>
                )}
                {p.reportError ? <p class="muted" safe>{`Not reported to GitHub: ${p.reportError}`}</p> : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The settings form (create or change). Secrets are write-only: empty fields keep what is stored. */
export function GitSourceForm(props: { deploymentId: string; source: GitSourceView | null; csrfToken: string; publicUrl: string }): JSX.Element {
  const s = props.source;
  const keep = (set: boolean | undefined) => (set ? 'stored; leave empty to keep it' : '');
  return (
    <form method="post" action={`/deployments/${props.deploymentId}/git`} class="stack" id="git-source-form">
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      <label>
        Repository URL
        <input name="url" required value={s?.url ?? ''} placeholder="https://github.com/acme/app.git or git@github.com:acme/app.git" />
      </label>
      <label>
        Branch, tag or commit
        <input name="ref" value={s?.ref ?? 'main'} />
      </label>
      <label>
        Path (a directory of YAML files or with a kustomization.yaml)
        <input name="path" value={s?.path ?? ''} placeholder="deploy/production" />
      </label>
      <label>
        Authentication
        <select name="auth">
          <option value="none" selected={!s || s.auth === 'none'}>
            None (public repository)
          </option>
          <option value="token" selected={s?.auth === 'token'}>
            HTTPS token
          </option>
          <option value="ssh" selected={s?.auth === 'ssh'}>
            SSH deploy key
          </option>
        </select>
      </label>
      <label>
        HTTPS user name (with a token)
        <input name="username" value={s?.username ?? 'x-access-token'} />
      </label>
      <label>
        HTTPS token
        <input name="token" type="password" autocomplete="off" placeholder={keep(s?.auth === 'token' && s.credentialSet)} />
      </label>
      <label>
        SSH deploy key (private part)
        <textarea name="sshKey" rows="4" placeholder={keep(s?.auth === 'ssh' && s.credentialSet)}></textarea>
      </label>
      <label>
        SSH known_hosts (pins the server’s key; empty accepts the first key seen)
        <textarea name="knownHosts" rows="2" safe>
          {s?.knownHosts ?? ''}
        </textarea>
      </label>
      <label>
        Webhook secret (the Git server signs pushes and pull requests with it)
        <input name="webhookSecret" type="password" autocomplete="off" placeholder={keep(s?.webhookSecretSet)} />
      </label>
      {s ? (
        <p class="muted">
          Webhook URL:{' '}
          <span class="mono" safe>
            {`${props.publicUrl}${s.webhookPath}`}
          </span>{' '}
          (content type application/json; events: push, pull requests)
        </p>
      ) : (
        ''
      )}
      <label>
        Sync every (seconds; 0 = only on webhooks and on demand)
        <input name="intervalSeconds" type="number" min="0" max="86400" value={String(s?.intervalSeconds ?? 180)} />
      </label>
      <label class="check">
        <input type="checkbox" name="autoApply" checked={s?.autoApply ?? false} /> Apply new commits automatically
      </label>
      <button>{s ? 'Save' : 'Sync from Git'}</button>
    </form>
  );
}

/** On the deployment page of a deployment that does not come from Git: the way to make it. */
export function GitSourceOffer(props: { deploymentId: string }): JSX.Element {
  return (
    <section id={GIT_SECTION_ID}>
      <h2>Git</h2>
      <p class="muted">
        Keep this deployment’s manifests in a Git repository (plain YAML or kustomize) and sync on every push:{' '}
        <a href={`/deployments/${props.deploymentId}/git`}>take them from Git</a>.
      </p>
    </section>
  );
}

export function GitSourcePage(props: {
  deploymentId: string;
  deploymentName: string;
  source: GitSourceView | null;
  pullRequests: PullRequestView[];
  canManage: boolean;
  csrfToken: string;
  publicUrl: string;
}): JSX.Element {
  return (
    <>
      <p>
        <a href={`/deployments/${props.deploymentId}`} safe>{`← ${props.deploymentName}`}</a>
      </p>
      <h1 safe>{`${props.deploymentName}: Git`}</h1>
      {props.source ? (
        <GitSourceSection source={props.source} pullRequests={props.pullRequests} canManage={props.canManage} csrfToken={props.csrfToken} />
      ) : (
        <p class="muted">This deployment does not come from Git yet.</p>
      )}
      {props.canManage ? (
        <>
          <h2>{props.source ? 'Settings' : 'Take the manifests from Git'}</h2>
          <GitSourceForm deploymentId={props.deploymentId} source={props.source} csrfToken={props.csrfToken} publicUrl={props.publicUrl} />
          {props.source ? (
            <form
              method="post"
              action={`/deployments/${props.deploymentId}/git/remove`}
              data-confirm="Stop syncing this deployment from Git? Its revisions stay."
            >
              <input type="hidden" name="_csrf" value={props.csrfToken} />
              <button class="secondary">Stop syncing from Git</button>
            </form>
          ) : (
            ''
          )}
        </>
      ) : (
        ''
      )}
    </>
  );
}
