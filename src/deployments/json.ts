// The deployments API's JSON: rows and services' answers as the responses.ts shapes, and a service's refusal
// as the HTTP error the API answers.
import type { Db } from '../db/client';
import { HttpError, badRequest } from '../http/errors';
import type { Cluster } from '../clusters/schema';
import type { Environment } from '../clusters/vocabulary';
import { applyRefusal, type ApplyOutcome, type DeleteOutcome } from './apply';
import { strictestEnvironment, type WorkloadFindings } from './findings';
import { resolveTargets, type Invalid } from './service';
import { targetState } from './status';
import { listTargets, type RevisionListRow, type TargetRow } from './store';
import type { Deployment, DeploymentRevision } from './schema';
import type { TargetSelector } from './vocabulary';
import type { DeploymentDetailJson, DeploymentJson, FindingJson, RevisionJson, TargetJson } from './responses';

export function targetJson(row: TargetRow, now: Date): TargetJson {
  const state = targetState(row, now);
  return {
    clusterId: row.clusterId,
    clusterName: row.clusterName,
    status: state.status,
    error: state.error,
    desiredRevision: row.desiredRevision,
    appliedRevision: row.appliedRevision,
    lastSyncAt: row.lastSyncAt?.toISOString() ?? null,
    commandId: row.commandId,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function deploymentJson(d: Deployment, targets: readonly TargetRow[], now: Date): DeploymentJson {
  return {
    id: d.id,
    orgId: d.orgId,
    name: d.name,
    namespace: d.namespace,
    source: d.source,
    status: d.status,
    targets: d.targets,
    latestRevision: d.latestRevision,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    deletedAt: d.deletedAt?.toISOString() ?? null,
    clusters: targets.map((r) => targetJson(r, now)),
  };
}

export function revisionJson(r: RevisionListRow | (DeploymentRevision & { createdByEmail?: string | null })): RevisionJson {
  return {
    number: r.number,
    sha256: r.sha256,
    source: r.source,
    gitCommit: r.gitCommit,
    message: r.message,
    rollbackOf: r.rollbackOf,
    objects: r.objects,
    createdBy: r.createdByEmail ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}

export function findingsJson(list: readonly WorkloadFindings[]): FindingJson[] {
  return list.flatMap((w) =>
    w.findings.map((f) => ({ subject: w.subject, ruleId: f.ruleId, severity: f.severity, title: f.title, message: f.message, containers: f.containers })),
  );
}

/** A service's refusal of a value as the HTTP error the API answers. */
export function invalidError(res: Invalid | Extract<ApplyOutcome | DeleteOutcome, { ok: false }>): HttpError {
  if ('reason' in res && res.reason === 'capability_missing') return new HttpError(409, 'capability_missing', res.message);
  const { field, message } = res as Invalid;
  if (field === 'deployment') return new HttpError(409, 'deployment_deleted', `deployment: ${message}`);
  if (field === 'name' && message.includes('already exists')) return new HttpError(409, 'name_taken', `name: ${message}`);
  return badRequest(`${field}: ${message}`);
}

/** The environment build-time findings are graded for: the strictest of the clusters the deployment would go to. */
export async function findingsEnvironment(db: Db, orgId: string, targets: TargetSelector): Promise<Environment> {
  const clusters: Cluster[] = await resolveTargets(db, { orgId, targets });
  return strictestEnvironment(clusters.map((c) => c.environment));
}

export async function detailJson(db: Db, deployment: Deployment): Promise<DeploymentDetailJson> {
  const now = new Date();
  const [targets, candidates] = await Promise.all([listTargets(db, deployment.id), deployment.status === 'active' ? resolveTargets(db, deployment) : []]);
  return {
    ...deploymentJson(deployment, targets, now),
    candidates: candidates.map((c) => {
      const refusal = applyRefusal(c);
      return { clusterId: c.id, clusterName: c.name, environment: c.environment, applyEnabled: refusal === null, refusal };
    }),
  };
}
