// Workload objects as the API server stores them: what seeds and writes create (Deployments, StatefulSets,
// DaemonSets, Jobs, CronJobs) with the defaults a real API server adds, where each kind is stored, and the
// template hash controllers name their children by. The controllers that act on them are in workloads.ts.
import type { Cluster } from './cluster-types.ts';
import { buildMeta, type JsonObject, ownerRef } from './objects.ts';
import { createRandom, hashString, randomSuffix, randomUid } from './random.ts';
import type { KubeObject } from './store.ts';

export type PodTemplate = { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: JsonObject };

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob';

const STORE_KEY: Record<WorkloadKind | 'ReplicaSet', string> = {
  Deployment: 'apps/deployments',
  ReplicaSet: 'apps/replicasets',
  StatefulSet: 'apps/statefulsets',
  DaemonSet: 'apps/daemonsets',
  Job: 'batch/jobs',
  CronJob: 'batch/cronjobs',
};

export function storeKeyOfKind(kind: string): string | null {
  return (STORE_KEY as Record<string, string>)[kind] ?? null;
}

// SafeEncodeString of an FNV hash: the shape of pod-template-hash / controller-revision-hash values.
function safeHash(text: string, length: number): string {
  return randomSuffix(createRandom(hashString(text)), length);
}

export function templateHash(template: unknown): string {
  return safeHash(JSON.stringify(template ?? {}), 10);
}

export function templateOf(object: KubeObject): PodTemplate {
  return ((object.spec as JsonObject | undefined)?.template ?? {}) as PodTemplate;
}

export function specOf(object: KubeObject): JsonObject {
  return (object.spec ?? {}) as JsonObject;
}

export function buildJob(cluster: Cluster, namespace: string, name: string, jobSpec: JsonObject, createdAt: number, owner: KubeObject | null): KubeObject {
  const uid = randomUid(cluster.random);
  const template = (jobSpec.template ?? {}) as PodTemplate;
  const selectorLabels = { 'batch.kubernetes.io/controller-uid': uid };
  const podLabels = { ...(template.metadata?.labels ?? {}), ...selectorLabels, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: buildMeta({
      name,
      namespace,
      uid,
      createdAt,
      labels: { ...selectorLabels, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name },
      owner: owner ? ownerRef(owner) : null,
      generation: 1,
    }),
    spec: {
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      completions: 1,
      manualSelector: false,
      parallelism: 1,
      podReplacementPolicy: 'TerminatingOrFailed',
      suspend: false,
      ...jobSpec,
      selector: { matchLabels: selectorLabels },
      template: { ...template, metadata: { ...(template.metadata ?? {}), labels: podLabels } },
    },
    status: {},
  };
}

/** A workload object as stored at seed time; the controllers then create its children. */
export function buildWorkload(
  cluster: Cluster,
  fields: {
    kind: WorkloadKind;
    namespace: string;
    name: string;
    labels?: Record<string, string>;
    replicas?: number;
    podSpec: JsonObject;
    createdAt: number;
    schedule?: string;
    owner?: KubeObject | null;
    annotations?: Record<string, string>;
  },
): KubeObject {
  const appLabels = fields.labels ?? { app: fields.name };
  const template = { metadata: { labels: appLabels }, spec: fields.podSpec };
  const meta = buildMeta({
    name: fields.name,
    namespace: fields.namespace,
    uid: randomUid(cluster.random),
    createdAt: fields.createdAt,
    labels: appLabels,
    annotations: fields.annotations,
    generation: 1,
    owner: fields.owner ? ownerRef(fields.owner) : null,
  });
  switch (fields.kind) {
    case 'Deployment':
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta,
        spec: {
          progressDeadlineSeconds: 600,
          replicas: fields.replicas ?? 1,
          revisionHistoryLimit: 10,
          selector: { matchLabels: appLabels },
          strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
          template,
        },
        status: {},
      };
    case 'StatefulSet':
      return {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: meta,
        spec: {
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          podManagementPolicy: 'OrderedReady',
          replicas: fields.replicas ?? 1,
          revisionHistoryLimit: 10,
          selector: { matchLabels: appLabels },
          serviceName: fields.name,
          template,
          updateStrategy: { rollingUpdate: { partition: 0 }, type: 'RollingUpdate' },
        },
        status: {},
      };
    case 'DaemonSet':
      return {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { ...meta, annotations: { 'deprecated.daemonset.template.generation': '1', ...(fields.annotations ?? {}) } },
        spec: {
          revisionHistoryLimit: 10,
          selector: { matchLabels: appLabels },
          template,
          updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 }, type: 'RollingUpdate' },
        },
        status: {},
      };
    case 'Job': {
      const job = buildJob(
        cluster,
        fields.namespace,
        fields.name,
        { template: { ...template, spec: { restartPolicy: 'Never', ...fields.podSpec } }, backoffLimit: fields.podSpec.restartPolicy === 'OnFailure' ? 6 : 1 },
        fields.createdAt,
        fields.owner ?? null,
      );
      if (fields.labels) job.metadata.labels = { ...fields.labels, ...job.metadata.labels };
      if (fields.owner) job.metadata.ownerReferences = [{ ...ownerRef(fields.owner), controller: true }];
      return job;
    }
    case 'CronJob':
      return {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: meta,
        spec: {
          concurrencyPolicy: 'Forbid',
          failedJobsHistoryLimit: 1,
          jobTemplate: {
            metadata: { creationTimestamp: null },
            spec: {
              backoffLimit: 2,
              template: { metadata: { creationTimestamp: null, labels: appLabels }, spec: { restartPolicy: 'OnFailure', ...fields.podSpec } },
            },
          },
          schedule: fields.schedule ?? '*/5 * * * *',
          successfulJobsHistoryLimit: 3,
          suspend: false,
        },
        status: {},
      };
  }
}

/** Children for a workload read from the API (create / apply / update), with defaults a real API server adds. */
export function defaultWorkload(object: KubeObject): void {
  const spec = (object.spec ??= {}) as JsonObject;
  if (object.kind === 'Deployment' || object.kind === 'StatefulSet' || object.kind === 'ReplicaSet') spec.replicas ??= 1;
  if (object.kind === 'Deployment') {
    spec.progressDeadlineSeconds ??= 600;
    spec.revisionHistoryLimit ??= 10;
    spec.strategy ??= { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' };
  }
  object.status ??= {};
}
