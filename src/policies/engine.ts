// The rule engine: pure functions from a pod template (and its workload) to findings. The same engine
// runs on heartbeat workloads (runtime), on manifests in the deployment builder and on pull requests.
import { SECURITY_RULES } from './rules-security';
import { WORKLOAD_RULES } from './rules-workload';
import type { Rule } from './rule';
import { severityFor } from './severity';
import { RULE_IDS, type PolicyFinding, type PolicyInput, type RuleId } from './vocabulary';

export type { Rule } from './rule';

/** Every rule, in catalogue order (RULE_IDS). */
export const RULES: readonly Rule[] = RULE_IDS.map((id) => {
  const r = [...SECURITY_RULES, ...WORKLOAD_RULES].find((x) => x.id === id);
  if (!r) throw new Error(`rule ${id} is listed but not defined`);
  return r;
});

export function ruleById(id: RuleId): Rule {
  return RULES.find((r) => r.id === id)!;
}

/** Findings of one input, catalogue order; `disabled` rules are skipped. */
export function evaluatePolicies(input: PolicyInput, disabled: ReadonlySet<string> = new Set()): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  for (const rule of RULES) {
    if (disabled.has(rule.id)) continue;
    const v = rule.check(input);
    if (v)
      out.push({
        ruleId: rule.id,
        category: rule.category,
        severity: severityFor(rule.severity, input.environment),
        title: rule.title,
        message: v.message,
        containers: v.containers,
      });
  }
  return out;
}

/** Every rule over many inputs (what a heartbeat's changed workloads cost; the benchmark times it). */
export function evaluateWorkloads(inputs: readonly PolicyInput[], disabled: ReadonlySet<string> = new Set()): PolicyFinding[][] {
  return inputs.map((i) => evaluatePolicies(i, disabled));
}
