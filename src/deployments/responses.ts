// What the deployments API answers: deployments with their per-cluster status, revisions, diffs, findings.
import { t } from 'elysia';
import { Count, Exact, Integer, Nullable, OneOf, Page, Timestamp } from '../http/responses';
import { ENVIRONMENTS } from '../clusters/vocabulary';
import { SEVERITIES } from '../policies/severity';
import { DEPLOYMENT_SOURCES, DEPLOYMENT_STATUSES, REVISION_SOURCES, TARGET_STATUSES } from './vocabulary';

export const ObjectRefJson = Exact({ apiVersion: t.String(), kind: t.String(), namespace: t.String(), name: t.String() });

export const SelectorJson = Exact({
  clusterIds: t.Optional(t.Array(t.String())),
  environments: t.Optional(t.Array(OneOf(ENVIRONMENTS))),
  labels: t.Optional(t.Record(t.String(), t.String())),
});

export const TargetJson = Exact({
  clusterId: t.String(),
  clusterName: t.String(),
  status: OneOf(TARGET_STATUSES, {
    description:
      'pending: queued, not picked up; applying: the agent has it; applied; failed (see error); deleting / deleted: the same for the deployment’s delete',
  }),
  error: Nullable(t.String({ description: 'Why the last command failed: the Kubernetes error, or the delivery deadline' })),
  desiredRevision: Nullable(Integer()),
  appliedRevision: Nullable(Integer({ description: 'The revision the agent last applied completely' })),
  lastSyncAt: Nullable(Timestamp),
  commandId: Nullable(t.String()),
  updatedAt: Timestamp,
});
export type TargetJson = typeof TargetJson.static;

export const CandidateJson = Exact({
  clusterId: t.String(),
  clusterName: t.String(),
  environment: OneOf(ENVIRONMENTS),
  applyEnabled: t.Boolean(),
  refusal: Nullable(t.String({ description: 'Why an apply to it would be refused, and how to enable the apply capability' })),
});

export const DeploymentJson = Exact({
  id: t.String(),
  orgId: t.String(),
  name: t.String(),
  namespace: t.String(),
  source: OneOf(DEPLOYMENT_SOURCES),
  status: OneOf(DEPLOYMENT_STATUSES),
  targets: SelectorJson,
  latestRevision: Count(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Nullable(Timestamp),
  clusters: t.Array(TargetJson, { description: 'Every cluster the deployment was applied to, with its status' }),
});
export type DeploymentJson = typeof DeploymentJson.static;

export const DeploymentDetailJson = Exact({
  ...DeploymentJson.properties,
  candidates: t.Array(CandidateJson, { description: 'The clusters its targets pick now, and whether each can take an apply' }),
});
export type DeploymentDetailJson = typeof DeploymentDetailJson.static;

export const DeploymentPage = Page('deployments', DeploymentJson);

export const RevisionJson = Exact({
  number: Integer(),
  sha256: t.String(),
  source: OneOf(REVISION_SOURCES),
  gitCommit: Nullable(t.String()),
  message: Nullable(t.String()),
  rollbackOf: Nullable(Integer()),
  objects: t.Array(ObjectRefJson),
  createdBy: Nullable(t.String()),
  createdAt: Timestamp,
});
export type RevisionJson = typeof RevisionJson.static;

export const RevisionDetailJson = Exact({ ...RevisionJson.properties, content: t.String(), builderForm: t.Unknown() });
export const RevisionPage = Page('revisions', RevisionJson);

export const FindingJson = Exact({
  subject: t.String({ description: 'namespace/Kind/name' }),
  ruleId: t.String(),
  severity: OneOf(SEVERITIES),
  title: t.String(),
  message: t.String(),
  containers: t.Array(t.String()),
});
export type FindingJson = typeof FindingJson.static;

export const ValidationJson = Exact({
  objects: t.Array(ObjectRefJson),
  environment: OneOf(ENVIRONMENTS, { description: 'The environment findings are graded for (the strictest of the targets)' }),
  findings: t.Array(FindingJson),
});

export const CreatedJson = Exact({
  deployment: DeploymentJson,
  revision: RevisionJson,
  unchanged: t.Boolean({ description: 'The content equals the latest revision: no new revision was made' }),
  findings: t.Array(FindingJson),
});

export const QueuedJson = Exact({
  deployment: DeploymentJson,
  revision: Nullable(RevisionJson),
  queued: t.Array(Exact({ clusterId: t.String(), clusterName: t.String(), commandId: t.String() })),
});

export const DiffLineJson = Exact({
  type: OneOf(['context', 'add', 'remove'] as const),
  text: t.String(),
  oldLine: Nullable(Integer()),
  newLine: Nullable(Integer()),
});
export const DiffJson = Exact({
  from: Integer(),
  to: Integer(),
  added: Count(),
  removed: Count(),
  hunks: t.Array(Exact({ oldStart: Count(), oldLines: Count(), newStart: Count(), newLines: Count(), lines: t.Array(DiffLineJson) })),
  patch: t.String({ description: 'The same as a unified diff' }),
});

export const ClusterDeploymentsJson = Exact({
  deployments: t.Array(Exact({ deployment: t.Omit(DeploymentJson, ['clusters']), target: TargetJson })),
});
