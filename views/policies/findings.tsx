import Html from '@kitajs/html';
import type { Environment } from '../../src/clusters/vocabulary';
import type { PolicyCategory, RuleId, Severity } from '../../src/policies/vocabulary';
import { Age } from '../clusters/parts';

/** One finding as the page and the pod drawer show it: what is wrong, why it matters and the fix. */
export type FindingView = {
  id: string;
  clusterId: string;
  clusterName: string;
  environment: Environment;
  namespace: string;
  workloadKind: string;
  workloadName: string;
  ruleId: RuleId;
  category: PolicyCategory;
  severity: Severity;
  title: string;
  message: string;
  why: string;
  fix: string;
  firstSeenAt: Date;
  waiver: { reason: string; expiresAt: Date } | null;
};

/** Choices of the waive form, in days. */
export const WAIVER_DAYS = [7, 30, 90, 180, 365] as const;

export const SEVERITY_CLASS: Record<Severity, string> = { high: 'critical', medium: 'warning', low: '' };

export function SeverityBadge(props: { severity: Severity }): JSX.Element {
  return (
    <span class={`badge ${SEVERITY_CLASS[props.severity]}`} data-severity={props.severity}>
      {props.severity}
    </span>
  );
}

export function workloadText(f: { namespace: string; workloadKind: string; workloadName: string }): string {
  return `${f.namespace}/${f.workloadKind}/${f.workloadName}`;
}

/** The waive form: a reason and how long; posts back to `back` (a path of ours). */
function WaiveForm(props: { finding: FindingView; csrfToken: string; back: string }): JSX.Element {
  return (
    <form method="post" action={`/policies/findings/${props.finding.id}/waive`} class="row waive" data-waive-form>
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      <input type="hidden" name="back" value={props.back} />
      <input type="text" name="reason" required maxlength="500" placeholder="Why this is accepted" aria-label="Reason" />
      <select name="days" aria-label="For">
        {WAIVER_DAYS.map((d) => (
          <option value={String(d)} selected={d === 30} safe>
            {`for ${d} days`}
          </option>
        ))}
      </select>
      <button type="submit" class="secondary">
        Waive
      </button>
    </form>
  );
}

/**
 * One finding, collapsed to a line; open it for why it matters and the YAML that fixes it. `waive`
 * (page only) adds the waive form for callers who may waive.
 */
export function FindingItem(props: {
  finding: FindingView;
  showWorkload?: boolean;
  showCluster?: boolean;
  waive?: { csrfToken: string; back: string };
}): JSX.Element {
  const f = props.finding;
  return (
    <details class="finding panel" data-finding={f.id} data-rule={f.ruleId}>
      <summary class="row">
        <SeverityBadge severity={f.severity} />
        <strong safe>{f.title}</strong>
        {props.showWorkload ? (
          <span class="mono small" safe>
            {workloadText(f)}
          </span>
        ) : (
          ''
        )}
        {props.showCluster ? (
          <a href={`/clusters/${f.clusterId}`} class="small" safe>
            {f.clusterName}
          </a>
        ) : (
          ''
        )}
        {f.waiver ? <span class="chip" data-waived safe>{`waived until ${f.waiver.expiresAt.toISOString().slice(0, 10)}`}</span> : ''}
        <span class="muted small">
          since <Age at={f.firstSeenAt} />
        </span>
      </summary>
      <p safe>{f.message}</p>
      <p class="muted" data-why safe>
        {f.why}
      </p>
      <div class="small muted">Fix:</div>
      <pre class="fix" data-fix>
        <code safe>{f.fix}</code>
      </pre>
      {f.waiver ? (
        <p class="small" safe>{`Waived: ${f.waiver.reason}`}</p>
      ) : props.waive ? (
        <WaiveForm finding={f} csrfToken={props.waive.csrfToken} back={props.waive.back} />
      ) : (
        ''
      )}
      <div class="small muted mono" safe>{`rule ${f.ruleId} · ${f.category}`}</div>
    </details>
  );
}

export const POD_POLICIES_ID = 'pod-drawer-policies';

/** The pod drawer's section: the findings of the pod's workload, with their fixes. */
export function WorkloadFindings(props: { workload: { clusterId: string; subject: string } | null; findings: FindingView[] }): JSX.Element {
  return (
    <section id={POD_POLICIES_ID} data-pod-policies>
      <h2>Policy findings</h2>
      {!props.workload ? (
        <p class="muted">This pod belongs to no Deployment, StatefulSet or DaemonSet; findings are kept per workload.</p>
      ) : props.findings.length === 0 ? (
        <p class="muted" safe>{`No open findings for ${props.workload.subject}.`}</p>
      ) : (
        <>
          <p class="small muted">
            <span safe>{`${props.findings.length} open for ${props.workload.subject} · `}</span>
            <a href={`/policies?view=workload&cluster=${encodeURIComponent(props.workload.clusterId)}&workload=${encodeURIComponent(props.workload.subject)}`}>
              waive or see all
            </a>
          </p>
          {props.findings.map((f) => (
            <FindingItem finding={f} />
          ))}
        </>
      )}
    </section>
  );
}
