// Stored findings → what the views show, and the pod drawer's findings of the pod's workload.
import type { Db } from '../db/client';
import type { FindingView } from '../../views/policies/findings';
import { ruleById } from './engine';
import { listFindings, type FindingListRow } from './store';
import { workloadSubject } from './vocabulary';

export function findingView(f: FindingListRow): FindingView {
  const rule = ruleById(f.ruleId);
  return {
    id: f.id,
    clusterId: f.clusterId,
    clusterName: f.clusterName,
    environment: f.environment,
    namespace: f.namespace,
    workloadKind: f.workloadKind,
    workloadName: f.workloadName,
    ruleId: f.ruleId,
    category: f.category,
    severity: f.severity,
    title: rule.title,
    message: f.message,
    why: rule.why,
    fix: rule.fix,
    firstSeenAt: f.firstSeenAt,
    waiver: f.waiver ? { reason: f.waiver.reason, expiresAt: f.waiver.expiresAt } : null,
  };
}

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** The workload a pod belongs to: the nearest Deployment, StatefulSet or DaemonSet in its owner chain. */
export function podWorkload(
  namespace: string,
  ownerChain: readonly { kind: string; name: string }[],
): { namespace: string; kind: string; name: string } | null {
  const owner = ownerChain.find((o) => WORKLOAD_KINDS.includes(o.kind));
  return owner ? { namespace, kind: owner.kind, name: owner.name } : null;
}

/**
 * The pod drawer's part: open findings of the pod's workload (the cluster was already scoped by the
 * caller's org). Null workload: the pod has none.
 */
export async function loadPodFindings(
  db: Db,
  cluster: { id: string; orgId: string },
  namespace: string,
  ownerChain: readonly { kind: string; name: string }[],
): Promise<{ workload: { clusterId: string; subject: string } | null; findings: FindingView[] }> {
  const w = podWorkload(namespace, ownerChain);
  if (!w) return { workload: null, findings: [] };
  const rows = await listFindings(db, [cluster.orgId], { clusterId: cluster.id, workload: w }, { limit: 100 }, new Date());
  return { workload: { clusterId: cluster.id, subject: workloadSubject(w) }, findings: rows.map(findingView) };
}
