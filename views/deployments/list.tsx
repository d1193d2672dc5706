// /deployments: every deployment of the caller's orgs with its status per cluster (polled), and the import form
// that creates one. Pure: props in, HTML out.
import Html from '@kitajs/html';
import { RelativeTime } from '../shared/time';
import { ENVIRONMENTS } from '../../src/clusters/vocabulary';
import { TargetBadge, type DeploymentView, type TargetView } from './parts';
import type { TargetStatus } from '../../src/deployments/vocabulary';

export const DEPLOYMENTS_LIVE_ID = 'deployments-live';
/** Where a manifests check (objects + findings) lands, on the import forms. */
export const CHECK_RESULT_ID = 'manifests-check';

export type DeploymentRowView = DeploymentView & { updatedAt: Date; targets: TargetView[] };

function counts(targets: TargetView[]): [TargetStatus, number][] {
  const by = new Map<TargetStatus, number>();
  for (const t of targets) by.set(t.status, (by.get(t.status) ?? 0) + 1);
  return [...by.entries()];
}

/** The polled list: one row per deployment, a badge per cluster. */
export function DeploymentsLive(props: { rows: DeploymentRowView[] }): JSX.Element {
  return (
    <div id={DEPLOYMENTS_LIVE_ID} hx-get="/deployments/live" hx-trigger="every 5s" hx-swap="outerMorph">
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Deployment</th>
              <th>Namespace</th>
              <th>Organization</th>
              <th>Revision</th>
              <th>Clusters</th>
              <th>Changed</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.length === 0 ? (
              <tr>
                <td colspan="6" class="empty">
                  No deployments yet. Import manifests below to create one.
                </td>
              </tr>
            ) : (
              props.rows.map((d) => (
                <tr data-deployment={d.name}>
                  <td>
                    <a href={`/deployments/${d.id}`} safe>
                      {d.name}
                    </a>
                    {d.status !== 'active' ? (
                      <>
                        {' '}
                        <span class="badge offline">{d.status}</span>
                      </>
                    ) : (
                      ''
                    )}
                  </td>
                  <td class="mono" safe>
                    {d.namespace}
                  </td>
                  <td safe>{d.orgName}</td>
                  <td safe>{String(d.latestRevision)}</td>
                  <td>
                    {d.targets.length === 0 ? (
                      <span class="muted">not applied</span>
                    ) : (
                      <span class="chips wrap">
                        {d.targets.map((t) => (
                          <span title={t.error ?? t.status} data-cluster={t.clusterName}>
                            <span safe>{t.clusterName}</span> <TargetBadge status={t.status} />
                          </span>
                        ))}
                      </span>
                    )}
                    {d.targets.length > 1 ? (
                      <small class="muted" safe>
                        {counts(d.targets)
                          .map(([s, n]) => `${n} ${s}`)
                          .join(', ')}
                      </small>
                    ) : (
                      ''
                    )}
                  </td>
                  <td>
                    <RelativeTime at={d.updatedAt} style="ago" />
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export type ImportValues = { orgId: string; name: string; namespace: string; manifests: string; environments: string[]; labels: string; clusterIds: string[] };

export type NewDeploymentProps = {
  csrfToken: string;
  orgs: { id: string; name: string }[];
  clusters: { id: string; name: string; environment: string }[];
  values?: ImportValues;
  error?: string | null;
};

/** The manifests textarea with its "Check" button (objects and build-time findings, nothing stored). */
export function ManifestsField(props: { value: string; checkUrl: string }): JSX.Element {
  return (
    <>
      <label>
        Manifests (YAML or JSON, several documents separated by ---)
        <textarea name="manifests" rows="16" class="mono" spellcheck="false" required maxlength="1048576" data-manifests safe>
          {props.value}
        </textarea>
      </label>
      <div class="row">
        <button type="button" class="secondary" hx-post={props.checkUrl} hx-include="closest form" hx-target={`#${CHECK_RESULT_ID}`} hx-swap="innerHTML">
          Check manifests and policies
        </button>
      </div>
      <div id={CHECK_RESULT_ID}></div>
    </>
  );
}

export function TargetFields(props: {
  clusters: { id: string; name: string; environment: string }[];
  environments: string[];
  labels: string;
  clusterIds: string[];
}): JSX.Element {
  return (
    <fieldset class="stack">
      <legend>Targets (any of these; resolved within the organization and its children)</legend>
      <div class="row">
        {ENVIRONMENTS.map((e) => (
          <label class="inline">
            <input type="checkbox" name="environments" value={e} checked={props.environments.includes(e)} /> <span>{e}</span>
          </label>
        ))}
      </div>
      <label>
        Cluster labels (every key=value must match; one per line)
        <textarea name="labels" rows="2" spellcheck="false" maxlength="20000" safe>
          {props.labels}
        </textarea>
      </label>
      {props.clusters.length ? (
        <details class="pick">
          <summary>Clusters</summary>
          <div class="pick-list">
            {props.clusters.map((c) => (
              <label>
                <input type="checkbox" name="clusterIds" value={c.id} checked={props.clusterIds.includes(c.id)} />{' '}
                <span safe>{`${c.name} (${c.environment})`}</span>
              </label>
            ))}
          </div>
        </details>
      ) : (
        ''
      )}
    </fieldset>
  );
}

export function DeploymentsPage(props: { rows: DeploymentRowView[]; form: NewDeploymentProps | null }): JSX.Element {
  const f = props.form;
  const v = f?.values;
  return (
    <>
      <div class="row page-head">
        <h1>Deployments</h1>
      </div>
      <p class="muted">Managed workloads: manifests Niro applies to your clusters with server-side apply, revision by revision.</p>
      <DeploymentsLive rows={props.rows} />
      {f ? (
        <div class="panel" id="new-deployment">
          <h2>Import manifests</h2>
          {f.error ? (
            <div class="flash error" role="alert" safe>
              {f.error}
            </div>
          ) : (
            ''
          )}
          <form method="post" action="/deployments" class="stack">
            <input type="hidden" name="_csrf" value={f.csrfToken} />
            <div class="row">
              <label>
                Organization
                <select name="orgId">
                  {f.orgs.map((o) => (
                    <option value={o.id} selected={v?.orgId === o.id} safe>
                      {o.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Name
                <input type="text" name="name" required maxlength="63" value={v?.name ?? ''} placeholder="shop" />
              </label>
              <label>
                Namespace
                <input type="text" name="namespace" required maxlength="63" value={v?.namespace ?? ''} placeholder="shop" />
              </label>
            </div>
            <TargetFields clusters={f.clusters} environments={v?.environments ?? []} labels={v?.labels ?? ''} clusterIds={v?.clusterIds ?? []} />
            <ManifestsField value={v?.manifests ?? ''} checkUrl="/deployments/check" />
            <div>
              <button>Create deployment</button> <span class="muted">Nothing is applied until you press Apply on its page.</span>
            </div>
          </form>
        </div>
      ) : (
        ''
      )}
    </>
  );
}
