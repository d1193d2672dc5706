import Html from '@kitajs/html';
import { EmptyRow } from '../shared/empty-row';
import { ENVIRONMENTS } from '../../src/clusters/vocabulary';
import { INCIDENT_KINDS, KINDS, type IncidentKind } from '../../src/incidents/vocabulary';

export type SilenceView = {
  id: string;
  orgName: string;
  clusterName: string | null;
  kind: IncidentKind | null;
  workload: string | null;
  environment: string | null;
  startsAt: Date;
  endsAt: Date;
  comment: string;
  creatorEmail: string | null;
  active: boolean;
};

type Option = { value: string; label: string };

/** What the form starts with: the incident's matchers when silencing from an incident. */
export type SilencePrefill = { orgId?: string; clusterId?: string; kind?: string; workload?: string; environment?: string };

export type SilencesProps = {
  silences: SilenceView[];
  canAct: boolean;
  csrfToken: string;
  orgs: Option[];
  clusters: Option[];
};

const DURATIONS: Option[] = [
  { value: '60', label: '1 hour' },
  { value: '240', label: '4 hours' },
  { value: '1440', label: '1 day' },
  { value: '10080', label: '1 week' },
];

const at = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** A new silence: matchers (any left "any" matches everything), a duration, a comment. */
export function SilenceForm(props: { csrfToken: string; orgs: Option[]; clusters: Option[]; prefill?: SilencePrefill; back: string }): JSX.Element {
  const p = props.prefill ?? {};
  return (
    <form method="post" action="/incidents/silences" class="panel stack" data-silence-form>
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      <input type="hidden" name="back" value={props.back} />
      <div class="row">
        <label>
          Organization
          <select name="orgId">
            {props.orgs.map((o) => (
              <option value={o.value} selected={o.value === p.orgId} safe>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Cluster
          <select name="clusterId">
            <option value="">Any</option>
            {props.clusters.map((o) => (
              <option value={o.value} selected={o.value === p.clusterId} safe>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <select name="kind">
            <option value="">Any</option>
            {INCIDENT_KINDS.map((k) => (
              <option value={k} selected={k === p.kind} safe>
                {KINDS[k].label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Workload
          <input name="workload" value={p.workload ?? ''} placeholder="namespace/Deployment/name" maxlength="400" />
        </label>
        <label>
          Environment
          <select name="environment">
            <option value="">Any</option>
            {ENVIRONMENTS.map((e) => (
              <option value={e} selected={e === p.environment}>
                {e}
              </option>
            ))}
          </select>
        </label>
        <label>
          For
          <select name="durationMinutes">
            {DURATIONS.map((d) => (
              <option value={d.value} safe>
                {d.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label>
        Comment
        <input name="comment" required maxlength="500" placeholder="Why (e.g. planned maintenance)" />
      </label>
      <div>
        <button data-silence-submit>Silence</button>
      </div>
    </form>
  );
}

export function SilencesSection(props: SilencesProps): JSX.Element {
  return (
    <section id="silences">
      <h2>Silences</h2>
      <p class="muted small">
        A silence stops notifications for the incidents it matches (in its organization and those below it) until it ends; they stay listed.
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Matches</th>
              <th>Organization</th>
              <th>Period</th>
              <th>Comment</th>
              <th>By</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {props.silences.length === 0 ? (
              <EmptyRow columns={6}>No active silences.</EmptyRow>
            ) : (
              props.silences.map((s) => (
                <tr id={`silence-${s.id}`} data-silence={s.active ? 'active' : 'scheduled'}>
                  <td class="wrap small" safe>
                    {[
                      s.clusterName ? `cluster=${s.clusterName}` : '',
                      s.kind ? `kind=${s.kind}` : '',
                      s.workload ? `workload=${s.workload}` : '',
                      s.environment ? `environment=${s.environment}` : '',
                    ]
                      .filter(Boolean)
                      .join(' ')}
                  </td>
                  <td safe>{s.orgName}</td>
                  <td class="small" safe>{`${at(s.startsAt)} → ${at(s.endsAt)}${s.active ? '' : ' (not started)'}`}</td>
                  <td class="wrap" safe>
                    {s.comment}
                  </td>
                  <td class="small" safe>
                    {s.creatorEmail ?? ''}
                  </td>
                  <td>
                    {props.canAct ? (
                      <form method="post" action={`/incidents/silences/${s.id}/expire`}>
                        <input type="hidden" name="_csrf" value={props.csrfToken} />
                        <button class="small secondary" data-expire={s.id}>
                          Expire
                        </button>
                      </form>
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
      {props.canAct ? (
        <details>
          <summary>New silence</summary>
          <SilenceForm csrfToken={props.csrfToken} orgs={props.orgs} clusters={props.clusters} back="/incidents#silences" />
        </details>
      ) : (
        ''
      )}
    </section>
  );
}
