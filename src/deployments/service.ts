// Deployments as operators make and change them, shared by the JSON API, the pages and the other parts of
// deployments (builder, Git sync, waves): create, new revisions, targets. Each checks its input before any
// write, names the bad field as the client sent it, and audits itself. Applying lives in apply.ts.
import { createHash } from 'node:crypto';
import type { Db } from '../db/client';
import { isUuid } from '../db/client';
import { recordAudit, type Actor } from '../audit/store';
import { checkLabels } from '../clusters/labels';
import { listClustersInSubtree } from '../clusters/store';
import type { Cluster } from '../clusters/schema';
import { ENVIRONMENTS, type Environment } from '../clusters/vocabulary';
import { DNS_LABEL, validateManifests } from './manifests';
import { findRevision, insertDeployment, insertRevision, lockDeployment, updateDeployment } from './store';
import type { Deployment, DeploymentRevision } from './schema';
import { DEPLOYMENT_SOURCES, REVISION_SOURCES, type DeploymentSource, type RevisionSource, type SelectorInput, type TargetSelector } from './vocabulary';

export { validateManifests } from './manifests';

/** Explicitly chosen clusters per deployment. */
export const MAX_TARGET_CLUSTER_IDS = 500;
/** Clusters one deployment resolves to (what one apply queues commands for). */
export const MAX_TARGET_CLUSTERS = 1000;
/** The builder's form as stored, in characters of JSON. */
export const MAX_BUILDER_FORM_CHARS = 65_536;
export const MAX_MESSAGE_CHARS = 500;
/** Namespaces a deployment may not use: the system's and Niro's own. */
export const RESERVED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'niro-system'] as const;

export type Invalid = { ok: false; field: string; message: string };
const invalid = (field: string, message: string): Invalid => ({ ok: false, field, message });

export type DeploymentInput = {
  orgId: string;
  name: string;
  namespace: string;
  manifests: string;
  source: DeploymentSource;
  builderForm?: unknown;
  gitCommit?: string;
  message?: string;
  targets: SelectorInput;
};

export type RevisionInput = {
  manifests: string;
  source: RevisionSource;
  builderForm?: unknown;
  gitCommit?: string;
  message?: string;
  /** With source 'rollback': the revision whose content this copies. */
  rollbackOf?: number;
};

/** Hex SHA-256 of a revision's content. */
export function contentSha256(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

function checkDnsLabel(field: string, value: string, what: string): Invalid | null {
  if (typeof value !== 'string' || value.length === 0) return invalid(field, 'must not be empty');
  if (value.length > 63 || !DNS_LABEL.test(value))
    return invalid(field, `${what} must be lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters`);
  return null;
}

/** A selector as a client sent it, checked and normalised (sorted, de-duplicated), or the bad field. */
export function checkSelector(input: SelectorInput | undefined, root = 'targets'): { ok: true; selector: TargetSelector } | Invalid {
  const s = input ?? {};
  const out: TargetSelector = {};
  if (s.clusterIds !== undefined) {
    if (!Array.isArray(s.clusterIds)) return invalid(`${root}.clusterIds`, 'must be a list of cluster ids');
    if (s.clusterIds.length > MAX_TARGET_CLUSTER_IDS) return invalid(`${root}.clusterIds`, `at most ${MAX_TARGET_CLUSTER_IDS} clusters`);
    for (const [i, id] of s.clusterIds.entries())
      if (typeof id !== 'string' || !isUuid(id)) return invalid(`${root}.clusterIds[${i}]`, 'must be a cluster id (a UUID)');
    if (s.clusterIds.length) out.clusterIds = [...new Set(s.clusterIds.map((id) => id.toLowerCase()))].sort();
  }
  if (s.environments !== undefined) {
    if (!Array.isArray(s.environments)) return invalid(`${root}.environments`, 'must be a list of environments');
    for (const [i, e] of s.environments.entries()) {
      if (!(ENVIRONMENTS as readonly string[]).includes(e)) return invalid(`${root}.environments[${i}]`, `must be one of ${ENVIRONMENTS.join(', ')}`);
    }
    if (s.environments.length) out.environments = [...new Set(s.environments as Environment[])].sort();
  }
  if (s.labels !== undefined) {
    const labels = checkLabels(s.labels, `${root}.labels`);
    if (!labels.ok) return labels;
    if (Object.keys(labels.labels).length) out.labels = labels.labels;
  }
  return { ok: true, selector: out };
}

/** The clusters of the deployment's org subtree its selector picks, by name. */
export async function resolveTargets(db: Db, deployment: Pick<Deployment, 'orgId' | 'targets'>): Promise<Cluster[]> {
  return listClustersInSubtree(db, deployment.orgId, deployment.targets, MAX_TARGET_CLUSTERS);
}

/**
 * Explicit ids that are not clusters of the org's subtree, as the field that names the first — indexed as the
 * client sent the list (`sent`), not as it is stored (sorted, without repeats).
 */
async function checkExplicitClusters(db: Db, orgId: string, selector: TargetSelector, sent: SelectorInput, root: string): Promise<Invalid | null> {
  const ids = selector.clusterIds ?? [];
  if (ids.length === 0) return null;
  const found = new Set((await listClustersInSubtree(db, orgId, { clusterIds: ids }, ids.length)).map((c) => c.id));
  const missing = (sent.clusterIds ?? []).findIndex((id) => !found.has(id.toLowerCase()));
  return missing < 0 ? null : invalid(`${root}.clusterIds[${missing}]`, 'no such cluster in this organization or its children');
}

function checkRevisionExtras(input: { builderForm?: unknown; gitCommit?: string; message?: string }): Invalid | null {
  if (input.builderForm !== undefined) {
    const text = JSON.stringify(input.builderForm);
    if (text === undefined || text.length > MAX_BUILDER_FORM_CHARS)
      return invalid('builderForm', `must be JSON of at most ${MAX_BUILDER_FORM_CHARS} characters`);
  }
  if (input.gitCommit !== undefined && !/^[0-9a-f]{7,64}$/.test(input.gitCommit)) return invalid('gitCommit', 'must be a hex commit id (7 to 64 characters)');
  if (input.message !== undefined && (typeof input.message !== 'string' || input.message.length > MAX_MESSAGE_CHARS)) {
    return invalid('message', `at most ${MAX_MESSAGE_CHARS} characters`);
  }
  return null;
}

export type CreateDeploymentResult = { ok: true; deployment: Deployment; revision: DeploymentRevision } | Invalid;

/**
 * A new deployment with its first revision. The caller checked the actor may create in `input.orgId`.
 * Nothing is applied: apply.ts does that.
 */
export async function createDeployment(db: Db, actor: Actor, input: DeploymentInput): Promise<CreateDeploymentResult> {
  const bad =
    checkDnsLabel('name', input.name, 'a deployment name') ??
    checkDnsLabel('namespace', input.namespace, 'a namespace') ??
    ((RESERVED_NAMESPACES as readonly string[]).includes(input.namespace)
      ? invalid('namespace', `${input.namespace} is reserved; choose the app's own namespace`)
      : null) ??
    (!(DEPLOYMENT_SOURCES as readonly string[]).includes(input.source) ? invalid('source', `must be one of ${DEPLOYMENT_SOURCES.join(', ')}`) : null) ??
    checkRevisionExtras(input);
  if (bad) return bad;
  const selector = checkSelector(input.targets);
  if (!selector.ok) return selector;
  const manifests = validateManifests(input.manifests, input.namespace);
  if (!manifests.ok) return manifests;
  const outside = await checkExplicitClusters(db, input.orgId, selector.selector, input.targets, 'targets');
  if (outside) return outside;
  return db.transaction(async (tx) => {
    const now = new Date();
    const created = await insertDeployment(tx, {
      orgId: input.orgId,
      name: input.name,
      namespace: input.namespace,
      source: input.source,
      targets: selector.selector,
      createdBy: actor.userId,
    });
    if (!created.ok) return invalid('name', `a deployment named "${input.name}" already exists in this organization`);
    const revision = await insertRevision(tx, {
      deploymentId: created.deployment.id,
      number: 1,
      content: manifests.content,
      sha256: contentSha256(manifests.content),
      source: input.source,
      builderForm: input.builderForm ?? null,
      gitCommit: input.gitCommit ?? null,
      message: input.message ?? null,
      rollbackOf: null,
      objects: manifests.objects.map(({ apiVersion, kind, namespace, name }) => ({ apiVersion, kind, namespace, name })),
      createdBy: actor.userId,
      createdAt: now,
    });
    const deployment = await updateDeployment(tx, created.deployment.id, { latestRevision: 1 }, now);
    await recordAudit(tx, {
      orgId: deployment.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'deployment.create',
      target: deployment.id,
      details: {
        name: deployment.name,
        namespace: deployment.namespace,
        source: input.source,
        targets: selector.selector,
        revision: 1,
        sha256: revision.sha256,
      },
      ip: actor.ip,
    });
    return { ok: true as const, deployment, revision };
  });
}

export type CreateRevisionResult = { ok: true; revision: DeploymentRevision; unchanged?: true } | Invalid;

/**
 * The deployment's next revision (numbered after the latest), or the latest itself with `unchanged` when the
 * content is the same. A deleted (or deleting) deployment takes none.
 */
export async function createRevision(db: Db, actor: Actor, deploymentId: string, input: RevisionInput): Promise<CreateRevisionResult> {
  if (!(REVISION_SOURCES as readonly string[]).includes(input.source)) return invalid('source', `must be one of ${REVISION_SOURCES.join(', ')}`);
  const extras = checkRevisionExtras(input);
  if (extras) return extras;
  return db.transaction(async (tx) => {
    const deployment = await lockDeployment(tx, deploymentId);
    if (!deployment) return invalid('deployment', 'not found');
    if (deployment.status !== 'active') return invalid('deployment', `is ${deployment.status}; it takes no new revision`);
    const manifests = validateManifests(input.manifests, deployment.namespace);
    if (!manifests.ok) return manifests;
    const sha256 = contentSha256(manifests.content);
    const latest = await findRevision(tx, deployment.id, deployment.latestRevision);
    if (latest && latest.sha256 === sha256) return { ok: true as const, revision: latest, unchanged: true as const };
    const now = new Date();
    const number = deployment.latestRevision + 1;
    const revision = await insertRevision(tx, {
      deploymentId: deployment.id,
      number,
      content: manifests.content,
      sha256,
      source: input.source,
      builderForm: input.builderForm ?? null,
      gitCommit: input.gitCommit ?? null,
      message: input.message ?? null,
      rollbackOf: input.source === 'rollback' ? (input.rollbackOf ?? null) : null,
      objects: manifests.objects.map(({ apiVersion, kind, namespace, name }) => ({ apiVersion, kind, namespace, name })),
      createdBy: actor.userId,
      createdAt: now,
    });
    await updateDeployment(tx, deployment.id, { latestRevision: number }, now);
    await recordAudit(tx, {
      orgId: deployment.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'deployment.revision',
      target: deployment.id,
      details: { name: deployment.name, revision: number, source: input.source, sha256, rollbackOf: revision.rollbackOf, gitCommit: revision.gitCommit },
      ip: actor.ip,
    });
    return { ok: true as const, revision };
  });
}

export type ChangeTargetsResult = { ok: true; deployment: Deployment } | Invalid;

/** Replaces the deployment's target selector (nothing is applied or removed by this alone). */
export async function changeTargets(db: Db, actor: Actor, deployment: Deployment, targets: SelectorInput): Promise<ChangeTargetsResult> {
  if (deployment.status !== 'active') return invalid('deployment', `is ${deployment.status}`);
  const selector = checkSelector(targets);
  if (!selector.ok) return selector;
  const outside = await checkExplicitClusters(db, deployment.orgId, selector.selector, targets, 'targets');
  if (outside) return outside;
  const updated = await updateDeployment(db, deployment.id, { targets: selector.selector }, new Date());
  await recordAudit(db, {
    orgId: deployment.orgId,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'deployment.targets',
    target: deployment.id,
    details: { name: deployment.name, from: deployment.targets, to: selector.selector },
    ip: actor.ip,
  });
  return { ok: true, deployment: updated };
}
