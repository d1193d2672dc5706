// Findings, rules and waivers as the API writes them (shared by the API and the page's JSON-free views).
import { ruleById, RULES } from './engine';
import { SEVERITY_BY_ENVIRONMENT } from './severity';
import type { FindingJson, RuleJson, WaiverJson } from './responses';
import type { FindingListRow, WaiverListRow } from './store';
import { workloadSubject } from './vocabulary';
import { ENVIRONMENTS } from '../clusters/vocabulary';

export function ruleJson(r: (typeof RULES)[number]): RuleJson {
  const byEnv = Object.fromEntries(ENVIRONMENTS.map((e) => [e, SEVERITY_BY_ENVIRONMENT[e][r.severity]])) as RuleJson['severityByEnvironment'];
  return { id: r.id, category: r.category, severity: r.severity, severityByEnvironment: byEnv, title: r.title, why: r.why, fix: r.fix, source: r.source };
}

export function findingJson(f: FindingListRow): FindingJson {
  const rule = ruleById(f.ruleId);
  const workload = { namespace: f.namespace, kind: f.workloadKind, name: f.workloadName };
  return {
    id: f.id,
    cluster: { id: f.clusterId, name: f.clusterName, orgId: f.orgId, environment: f.environment },
    workload: { ...workload, subject: workloadSubject(workload) },
    rule: f.ruleId,
    category: f.category,
    severity: f.severity,
    title: rule.title,
    message: f.message,
    containers: f.containers,
    why: rule.why,
    fix: rule.fix,
    firstSeenAt: f.firstSeenAt.toISOString(),
    lastSeenAt: f.lastSeenAt.toISOString(),
    resolvedAt: f.resolvedAt?.toISOString() ?? null,
    resolution: f.resolution,
    waiver: f.waiver ? { id: f.waiver.id, reason: f.waiver.reason, expiresAt: f.waiver.expiresAt.toISOString() } : null,
  };
}

export function waiverJson(w: WaiverListRow): WaiverJson {
  const workload = { namespace: w.namespace, kind: w.workloadKind, name: w.workloadName };
  return {
    id: w.id,
    cluster: { id: w.clusterId, name: w.clusterName },
    workload: { ...workload, subject: workloadSubject(workload) },
    rule: w.ruleId,
    reason: w.reason,
    expiresAt: w.expiresAt.toISOString(),
    createdAt: w.createdAt.toISOString(),
  };
}
