import Html from '@kitajs/html';
import { ClusterNameInput } from './parts';
import { ENVIRONMENTS } from '../../src/clusters/vocabulary';

export type EnrollmentView = { token: string; installCommand: string; expiresAt: Date };

/** The token and install command, shown once (never stored in a cookie or URL). */
export function EnrollmentPanel(props: { clusterId: string; clusterName: string; enrollment: EnrollmentView }): JSX.Element {
  const expires = props.enrollment.expiresAt.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return (
    <div class="panel" id="enrollment">
      <h2>Install the agent</h2>
      <p class="muted">
        Run this on a machine with <code>kubectl</code> access to the cluster. The token inside works once and expires at <span safe>{expires}</span>; it is
        shown only now.
      </p>
      <div class="secret" data-install-command safe>
        {props.enrollment.installCommand}
      </div>
      <p class="muted">
        Enrollment token:{' '}
        <code data-token safe>
          {props.enrollment.token}
        </code>
      </p>
      <p>
        The cluster appears in the <a href="/">fleet</a> with its first heartbeat, usually within a minute.{' '}
        <a href={`/clusters/${props.clusterId}`}>
          Open <span safe>{props.clusterName}</span> →
        </a>
      </p>
    </div>
  );
}

export function NewClusterPage(props: {
  csrfToken: string;
  orgs: { id: string; name: string; depth: number }[];
  defaultOrgId: string | null;
  values?: { name: string; environment: string; orgId: string };
  error?: string | null;
}): JSX.Element {
  const v = props.values ?? { name: '', environment: 'unspecified', orgId: props.defaultOrgId ?? '' };
  return (
    <>
      <h1>Add a cluster</h1>
      {props.orgs.length === 0 ? (
        <p class="empty">You need the member role in an organization to add clusters.</p>
      ) : (
        <div class="panel">
          {props.error ? (
            <div class="flash error" role="alert" safe>
              {props.error}
            </div>
          ) : (
            ''
          )}
          <form method="post" action="/clusters" class="stack">
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <label>
              Name
              <ClusterNameInput value={v.name} placeholder="e.g. store-berlin-01" autofocus />
            </label>
            <label>
              Environment
              <select name="environment">
                {ENVIRONMENTS.map((e) => (
                  <option value={e} selected={v.environment === e}>
                    {e}
                  </option>
                ))}
              </select>
            </label>
            {props.orgs.length > 1 ? (
              <label>
                Organization
                <select name="orgId">
                  {props.orgs.map((o) => (
                    <option value={o.id} selected={v.orgId === o.id} safe>
                      {'\u00a0\u00a0'.repeat(o.depth) + o.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : (
              <input type="hidden" name="orgId" value={props.orgs[0].id} />
            )}
            <div>
              <button>Create cluster</button>
            </div>
          </form>
        </div>
      )}
    </>
  );
}

export function ClusterCreatedPage(props: { clusterId: string; clusterName: string; enrollment: EnrollmentView }): JSX.Element {
  return (
    <>
      <h1>
        Cluster <span safe>{props.clusterName}</span> created
      </h1>
      <EnrollmentPanel {...props} />
    </>
  );
}
