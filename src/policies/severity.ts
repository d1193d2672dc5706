// How a cluster's environment moves a base severity: production raises one step, dev lowers one step,
// staging and unspecified keep it. The one table; findings, the catalogue and the docs read it.
import type { Environment } from '../clusters/vocabulary';
import { SEVERITIES, type Severity } from '../incidents/vocabulary';

export { SEVERITIES, type Severity };

export const SEVERITY_BY_ENVIRONMENT: Record<Environment, Record<Severity, Severity>> = {
  production: { low: 'medium', medium: 'high', high: 'high' },
  staging: { low: 'low', medium: 'medium', high: 'high' },
  unspecified: { low: 'low', medium: 'medium', high: 'high' },
  dev: { low: 'low', medium: 'low', high: 'medium' },
};

export function severityFor(base: Severity, environment: Environment): Severity {
  return SEVERITY_BY_ENVIRONMENT[environment][base];
}

/** For sorting: high first. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
