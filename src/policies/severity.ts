// How a cluster's environment moves a base severity, as policy findings, the catalogue and the docs show it:
// derived from the one table incidents use (src/incidents/vocabulary.ts ENVIRONMENT_SHIFT: production
// raises one step, dev lowers one step, staging and unspecified keep it).
import type { Environment } from '../clusters/vocabulary';
import { ENVIRONMENT_SHIFT, SEVERITIES, shiftSeverity, type Severity } from '../incidents/vocabulary';

export { SEVERITIES, type Severity };

export const SEVERITY_BY_ENVIRONMENT = Object.fromEntries(
  (Object.keys(ENVIRONMENT_SHIFT) as Environment[]).map((env) => [env, Object.fromEntries(SEVERITIES.map((s) => [s, shiftSeverity(s, env)]))]),
) as Record<Environment, Record<Severity, Severity>>;

export function severityFor(base: Severity, environment: Environment): Severity {
  return shiftSeverity(base, environment);
}

/** For sorting: high first. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
