// What a rule is, and the helpers that most rules are built from.
import type { Severity } from './severity';
import type { PolicyCategory, PolicyInput, RuleId, Violation } from './vocabulary';
import { containersOf, naming, type ContainerView } from './pod-view';

export type Rule = {
  id: RuleId;
  category: PolicyCategory;
  /** Before the environment adjusts it (severity.ts). */
  severity: Severity;
  title: string;
  /** Why it matters, for an operator deciding whether to fix or waive. */
  why: string;
  /** The YAML that fixes it, as a snippet of the pod template or workload. */
  fix: string;
  /** Where the rule comes from: "PSS baseline", "PSS restricted", "Polaris". */
  source: string;
  check(input: PolicyInput): Violation | null;
};

/**
 * A container rule: the containers (of the given types) for which `bad` holds, or null when none.
 * `what` says what is wrong, after the container names ("Containers \"a\", \"b\": no memory limit").
 */
export function containerRule(
  input: PolicyInput,
  bad: (c: ContainerView) => boolean,
  what: string,
  types: readonly ContainerView['type'][] = ['container', 'init', 'ephemeral'],
): Violation | null {
  const hits = containersOf(input.template.spec).filter((c) => types.includes(c.type) && bad(c));
  return hits.length ? { message: `${capital(naming(hits))}: ${what}`, containers: hits.map((c) => c.name) } : null;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
