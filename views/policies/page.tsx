import Html from '@kitajs/html';
import { ENVIRONMENTS, type Environment } from '../../src/clusters/vocabulary';
import { SEVERITIES, type Severity } from '../../src/policies/vocabulary';
import { FindingItem, workloadText, type FindingView } from './findings';
import { RulesTab, type RulesTabProps } from './rules';

export const POLICY_VIEWS = ['rule', 'workload', 'cluster', 'rules'] as const;
export type PolicyView = (typeof POLICY_VIEWS)[number];

export type PolicyFilters = {
  severity: Severity | '';
  environment: Environment | '';
  waived: 'include' | 'exclude' | 'only';
  /** Cluster id, '' for all. */
  cluster: string;
  /** "namespace/Kind/name", '' for all. */
  workload: string;
};

export type PoliciesPageProps = {
  view: PolicyView;
  filters: PolicyFilters;
  clusterName: string | null;
  findings: FindingView[];
  /** More findings matched than are shown. */
  truncated: boolean;
  counts: Record<Severity, number>;
  /** Where the waive form returns to (this page with its query). */
  back: string;
  csrfToken: string;
  /** Findings of clusters in these orgs may be waived by the caller. */
  waivableClusters: ReadonlySet<string>;
  rules: RulesTabProps | null;
};

const VIEW_LABEL: Record<PolicyView, string> = { rule: 'By rule', workload: 'By workload', cluster: 'By cluster', rules: 'Rules & settings' };

export function policiesQuery(view: PolicyView, f: PolicyFilters): string {
  const q = new URLSearchParams({ view });
  for (const [k, v] of Object.entries(f)) if (v && !(k === 'waived' && v === 'include')) q.set(k, v);
  return `/policies?${q}`;
}

function Filters(props: { view: PolicyView; f: PolicyFilters; clusterName: string | null }): JSX.Element {
  const f = props.f;
  return (
    <form method="get" action="/policies" class="filters panel" role="search">
      <input type="hidden" name="view" value={props.view} />
      {f.cluster ? <input type="hidden" name="cluster" value={f.cluster} /> : ''}
      {f.workload ? <input type="hidden" name="workload" value={f.workload} /> : ''}
      <div class="row">
        <select name="severity" aria-label="Severity">
          <option value="">All severities</option>
          {[...SEVERITIES].reverse().map((s) => (
            <option value={s} selected={f.severity === s}>
              {s}
            </option>
          ))}
        </select>
        <select name="environment" aria-label="Environment">
          <option value="">All environments</option>
          {ENVIRONMENTS.map((e) => (
            <option value={e} selected={f.environment === e}>
              {e}
            </option>
          ))}
        </select>
        <select name="waived" aria-label="Waived">
          <option value="include" selected={f.waived === 'include'}>
            Waived shown
          </option>
          <option value="exclude" selected={f.waived === 'exclude'}>
            Waived hidden
          </option>
          <option value="only" selected={f.waived === 'only'}>
            Only waived
          </option>
        </select>
        <button type="submit">Filter</button>
        {props.clusterName ? <span class="chip on" safe>{`cluster ${props.clusterName}`}</span> : ''}
        {f.workload ? (
          <span class="chip on mono" safe>
            {f.workload}
          </span>
        ) : (
          ''
        )}
        {f.cluster || f.workload ? <a href={policiesQuery(props.view, { ...f, cluster: '', workload: '' })}>all workloads</a> : ''}
      </div>
    </form>
  );
}

type Group = { key: string; head: JSX.Element; items: FindingView[] };

function groupBy(findings: FindingView[], key: (f: FindingView) => string, head: (f: FindingView, n: number) => JSX.Element): Group[] {
  const groups = new Map<string, FindingView[]>();
  for (const f of findings) groups.set(key(f), [...(groups.get(key(f)) ?? []), f]);
  return [...groups].map(([k, items]) => ({ key: k, head: head(items[0], items.length), items }));
}

/** Groups by the chosen view; within a group, highest severity first. */
function grouped(view: PolicyView, findings: FindingView[]): Group[] {
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  const sorted = [...findings].sort((a, b) => rank(b.severity) - rank(a.severity));
  if (view === 'rule')
    return groupBy(
      sorted,
      (f) => f.ruleId,
      (f, n) => <span safe>{`${f.title} (${n} workload${n === 1 ? '' : 's'})`}</span>,
    );
  if (view === 'cluster')
    return groupBy(
      sorted,
      (f) => f.clusterId,
      (f, n) => (
        <span>
          <a href={`/clusters/${f.clusterId}`} safe>
            {f.clusterName}
          </a>
          <span class="muted" safe>{` · ${f.environment} · ${n} finding${n === 1 ? '' : 's'}`}</span>
        </span>
      ),
    );
  return groupBy(
    sorted,
    (f) => `${f.clusterId}/${workloadText(f)}`,
    (f, n) => (
      <span>
        <span class="mono" safe>
          {workloadText(f)}
        </span>
        <span class="muted" safe>{` on ${f.clusterName} · ${n} finding${n === 1 ? '' : 's'}`}</span>
      </span>
    ),
  );
}

export function PoliciesPage(props: PoliciesPageProps): JSX.Element {
  const total = props.counts.high + props.counts.medium + props.counts.low;
  return (
    <>
      <div class="row page-head">
        <h1>Policies</h1>
        <span
          class="muted"
          data-policy-counts
          safe
        >{`${total} open, not waived: ${props.counts.high} high, ${props.counts.medium} medium, ${props.counts.low} low`}</span>
      </div>
      <nav class="tabs">
        {POLICY_VIEWS.map((v) => (
          <a href={policiesQuery(v, props.filters)} class={v === props.view ? 'active' : ''} safe>
            {VIEW_LABEL[v]}
          </a>
        ))}
      </nav>
      {props.view === 'rules' && props.rules ? (
        <RulesTab {...props.rules} />
      ) : (
        <>
          <Filters view={props.view} f={props.filters} clusterName={props.clusterName} />
          {props.findings.length === 0 ? (
            <p class="muted" data-no-findings>
              No open findings match. Findings come from the pod templates of workloads that agents of protocol 4 or newer report.
            </p>
          ) : (
            grouped(props.view, props.findings).map((g) => (
              <section class="finding-group" data-group={g.key}>
                <h2>{g.head as 'safe'}</h2>
                {g.items.map((f) => (
                  <FindingItem
                    finding={f}
                    showWorkload={props.view !== 'workload'}
                    showCluster={props.view === 'rule'}
                    waive={props.waivableClusters.has(f.clusterId) ? { csrfToken: props.csrfToken, back: props.back } : undefined}
                  />
                ))}
              </section>
            ))
          )}
          {props.truncated ? (
            <p class="muted">Showing the newest findings only; narrow the filters, or page through them with the JSON API (/v1/policies/findings).</p>
          ) : (
            ''
          )}
        </>
      )}
    </>
  );
}
