import Html from '@kitajs/html';
import { EmptyRow } from '../shared/empty-row';
import { KINDS, type TransitionKind, type Severity } from '../../src/incidents/vocabulary';
import { SilenceForm, type SilencePrefill } from './silences';
import { SubjectLinks, type IncidentRow } from './incidents';

export type TransitionView = { kind: TransitionKind; severity: Severity; at: Date; actor: string | null; note: string | null };

export type IncidentDetailProps = {
  incident: IncidentRow & { orgId: string; resolveNote: string | null; resolvedByEmail: string | null; lastSeenAt: Date };
  transitions: TransitionView[];
  canAct: boolean;
  csrfToken: string;
  orgs: { value: string; label: string }[];
  clusters: { value: string; label: string }[];
};

const at = (d: Date): string => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** One incident: what, its history, and (for members) acknowledge, resolve with a note, silence like it. */
export function IncidentDetailPage(props: IncidentDetailProps): JSX.Element {
  const i = props.incident;
  const prefill: SilencePrefill = {
    orgId: i.orgId,
    clusterId: i.clusterId,
    kind: i.kind,
    workload: KINDS[i.kind].subject === 'workload' ? i.subject : undefined,
  };
  return (
    <>
      <p>
        <a href="/incidents">← Incidents</a>
      </p>
      <h1 safe>{i.title}</h1>
      <dl class="facts" data-incident-state={i.state}>
        <dt>State</dt>
        <dd>
          {i.state === 'open' ? 'open' : 'resolved'}
          {i.state === 'open' && i.acknowledgedAt ? <span safe>{`, acknowledged by ${i.acknowledgedByEmail ?? '?'}`}</span> : ''}
        </dd>
        <dt>Severity</dt>
        <dd>{i.severity}</dd>
        <dt>Kind</dt>
        <dd safe>{`${KINDS[i.kind].label} — ${KINDS[i.kind].why}`}</dd>
        <dt>Cluster</dt>
        <dd>
          <a href={`/clusters/${i.clusterId}`} safe>
            {i.clusterName}
          </a>{' '}
          <span class="muted">{i.environment}</span>
        </dd>
        <dt>Subject</dt>
        <dd>{i.subject ? <SubjectLinks r={i} /> : 'the cluster'}</dd>
        {i.pods.length ? (
          <>
            <dt>Pods</dt>
            <dd class="wrap" safe>{`${i.count}: ${i.pods.join(', ')}${i.count > i.pods.length ? ', …' : ''}`}</dd>
          </>
        ) : (
          ''
        )}
        <dt>Opened</dt>
        <dd safe>{at(i.openedAt)}</dd>
        <dt>Last seen</dt>
        <dd safe>{at(i.lastSeenAt)}</dd>
        {i.resolvedAt ? (
          <>
            <dt>Resolved</dt>
            <dd safe>{`${at(i.resolvedAt)}${i.resolvedByEmail ? ` by ${i.resolvedByEmail}: ${i.resolveNote ?? ''}` : ' (cleared)'}`}</dd>
          </>
        ) : (
          ''
        )}
        {i.silencedUntil ? (
          <>
            <dt>Silenced until</dt>
            <dd safe>{at(i.silencedUntil)}</dd>
          </>
        ) : (
          ''
        )}
      </dl>
      {props.canAct && i.state === 'open' ? (
        <div class="row">
          {i.acknowledgedAt ? (
            ''
          ) : (
            <form method="post" action={`/incidents/${i.id}/acknowledge`}>
              <input type="hidden" name="_csrf" value={props.csrfToken} />
              <button data-ack={i.id}>Acknowledge</button>
            </form>
          )}
          <form method="post" action={`/incidents/${i.id}/resolve`} class="row">
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <input name="note" required maxlength="1000" placeholder="Resolution note" />
            <button class="secondary" data-resolve={i.id}>
              Resolve
            </button>
          </form>
        </div>
      ) : (
        ''
      )}
      <h2>History</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>What</th>
              <th>Severity</th>
              <th>Who</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {props.transitions.length === 0 ? (
              <EmptyRow columns={5}>No history.</EmptyRow>
            ) : (
              props.transitions.map((t) => (
                <tr data-transition={t.kind}>
                  <td safe>{at(t.at)}</td>
                  <td>{t.kind}</td>
                  <td>{t.severity}</td>
                  <td safe>{t.actor ?? 'Niro'}</td>
                  <td class="wrap" safe>
                    {t.note ?? ''}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {props.canAct ? (
        <>
          <h2>Silence incidents like this</h2>
          <SilenceForm csrfToken={props.csrfToken} orgs={props.orgs} clusters={props.clusters} prefill={prefill} back={`/incidents/${i.id}`} />
        </>
      ) : (
        ''
      )}
    </>
  );
}
