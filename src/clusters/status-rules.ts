// How a cluster's status follows from heartbeat age and open incidents (docs-clusters: Cluster status).
import type { Severity } from '../incidents/vocabulary';
import { worstSeverity } from '../incidents/vocabulary';

/** Unknown after this many heartbeat intervals without one (one late beat is not a problem). */
export const UNKNOWN_AFTER_INTERVALS = 2.5;

/** Status of a heartbeating cluster: high-severity incidents make it Critical, others Warning. */
export function statusFromSeverities(open: readonly Severity[]): 'healthy' | 'warning' | 'critical' {
  const worst = worstSeverity(open);
  return worst === 'high' ? 'critical' : worst ? 'warning' : 'healthy';
}

export function unknownAfterMs(heartbeatIntervalSeconds: number): number {
  return UNKNOWN_AFTER_INTERVALS * heartbeatIntervalSeconds * 1000;
}
