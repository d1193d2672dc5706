import Html from '@kitajs/html';
import type { Environment } from '../../src/clusters/vocabulary';
import type { PolicyCategory, RuleId, Severity } from '../../src/policies/vocabulary';
import { SeverityBadge } from './findings';

export type RuleRow = {
  id: RuleId;
  category: PolicyCategory;
  severity: Severity;
  byEnvironment: Record<Environment, Severity>;
  title: string;
  why: string;
  fix: string;
  source: string;
};

export type RulesTabProps = {
  rules: RuleRow[];
  /** Orgs whose settings the caller can see, for the picker. */
  orgs: { id: string; name: string }[];
  org: { id: string; name: string; canEdit: boolean } | null;
  own: { disabledRules: RuleId[]; exemptNamespaces: string[] | null };
  effective: { disabledRules: RuleId[]; exemptNamespaces: string[] };
  csrfToken: string;
};

/** The catalogue, and the selected org's rule toggles and exempt namespaces (editable by its admins). */
export function RulesTab(props: RulesTabProps): JSX.Element {
  const org = props.org;
  const editable = org?.canEdit ?? false;
  return (
    <>
      {props.orgs.length > 1 ? (
        <form method="get" action="/policies" class="filters panel">
          <input type="hidden" name="view" value="rules" />
          <div class="row">
            <select name="org" aria-label="Organization">
              {props.orgs.map((o) => (
                <option value={o.id} selected={o.id === org?.id} safe>
                  {o.name}
                </option>
              ))}
            </select>
            <button type="submit" class="secondary">
              Show
            </button>
          </div>
        </form>
      ) : (
        ''
      )}
      <form method="post" action="/policies/settings" data-policy-settings>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <input type="hidden" name="orgId" value={org?.id ?? ''} />
        {org ? (
          <p class="muted">
            Rules for <strong safe>{org.name}</strong> and the organizations below it. Turning a rule off here turns it off for the whole subtree; a rule an
            ancestor turned off stays off.
          </p>
        ) : (
          ''
        )}
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>On</th>
                <th>Rule</th>
                <th>Category</th>
                <th>Severity (prod / staging / dev)</th>
                <th>Source</th>
              </tr>
            </thead>
            <tbody>
              {props.rules.map((r) => {
                const inherited = props.effective.disabledRules.includes(r.id) && !props.own.disabledRules.includes(r.id);
                return (
                  <tr data-rule-row={r.id}>
                    <td>
                      <input
                        type="checkbox"
                        name={`rule:${r.id}`}
                        value="on"
                        aria-label={`${r.title} on`}
                        checked={!props.effective.disabledRules.includes(r.id)}
                        disabled={!editable || inherited}
                      />
                    </td>
                    <td>
                      <details>
                        <summary safe>{r.title}</summary>
                        <p class="muted small" safe>
                          {r.why}
                        </p>
                        <pre class="fix">
                          <code safe>{r.fix}</code>
                        </pre>
                      </details>
                      <div class="mono small muted">{r.id}</div>
                      {inherited ? <div class="small muted">off: turned off by a parent organization</div> : ''}
                    </td>
                    <td>{r.category}</td>
                    <td>
                      <SeverityBadge severity={r.byEnvironment.production} /> <SeverityBadge severity={r.byEnvironment.staging} />{' '}
                      <SeverityBadge severity={r.byEnvironment.dev} />
                    </td>
                    <td class="small" safe>
                      {r.source}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <h2>Exempt namespaces</h2>
        <p class="muted small" safe>{`No rule applies to workloads in: ${props.effective.exemptNamespaces.join(', ') || 'none'}.`}</p>
        {editable ? (
          <div class="row">
            <label class="row">
              <input type="checkbox" name="inherit" value="on" checked={props.own.exemptNamespaces === null} /> inherit (from the parent organization, or
              kube-system and niro-system)
            </label>
            <input
              type="text"
              name="exempt"
              value={(props.own.exemptNamespaces ?? props.effective.exemptNamespaces).join(', ')}
              maxlength="3000"
              aria-label="Exempt namespaces"
              placeholder="kube-system, niro-system"
            />
          </div>
        ) : (
          ''
        )}
        {editable ? (
          <p>
            <button type="submit">Save rules</button>
          </p>
        ) : (
          <p class="muted small">Only an admin of this organization can change its rules.</p>
        )}
      </form>
    </>
  );
}
