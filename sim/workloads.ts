// Workload controllers, reduced to what makes owner chains and statuses real: Deployment → ReplicaSet → Pod,
// StatefulSet → Pod, DaemonSet → one Pod per node, CronJob → Job → Pod. They run when a workload is created or
// changed and on every tick (statuses follow the pods).
import { type Cluster, type WorkloadHints } from './cluster-types.ts';
import { recordEvent } from './events.ts';
import { buildMeta, iso, type JsonObject, ownerRef, type PodBehaviour, type PodModel } from './objects.ts';
import { beginPodDeletion, createPod, isPodReady } from './pods.ts';
import { createRandom, hashString, randomSuffix, randomUid } from './random.ts';
import type { KubeObject } from './store.ts';

type PodTemplate = { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: JsonObject };

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

function templateOf(object: KubeObject): PodTemplate {
  return ((object.spec as JsonObject | undefined)?.template ?? {}) as PodTemplate;
}

function specOf(object: KubeObject): JsonObject {
  return (object.spec ?? {}) as JsonObject;
}

/** Hints of a workload, looked up through its controller (a ReplicaSet uses its Deployment's). */
function hintsOf(cluster: Cluster, object: KubeObject): WorkloadHints {
  const own = cluster.hints.get(object.metadata.uid);
  if (own) return own;
  const owner = object.metadata.ownerReferences?.[0];
  return (owner && cluster.hints.get(owner.uid)) ?? {};
}

/** Pods by controller uid, built once per pass. */
export function indexPodsByOwner(cluster: Cluster): Map<string, PodModel[]> {
  const index = new Map<string, PodModel[]>();
  for (const pod of cluster.pods.values()) {
    if (!pod.owner) continue;
    let list = index.get(pod.owner.uid);
    if (!list) index.set(pod.owner.uid, (list = []));
    list.push(pod);
  }
  return index;
}

function isActive(pod: PodModel): boolean {
  return pod.deletedAt === null && pod.phase !== 'Failed' && pod.phase !== 'Succeeded';
}

function liveBehaviour(hinted: PodBehaviour | undefined): PodBehaviour {
  // New pods start by being created, unless the workload is broken in a way that shows at once.
  return hinted === 'crashloop' || hinted === 'imagepull' || hinted === 'pending' ? hinted : 'creating';
}

function spawnPod(cluster: Cluster, owner: KubeObject, name: string, behaviour: PodBehaviour, createdAt: number, extraLabels: Record<string, string>, nodeName?: string): PodModel {
  const template = templateOf(owner);
  return createPod(cluster, {
    namespace: owner.metadata.namespace ?? 'default',
    name,
    labels: { ...(template.metadata?.labels ?? {}), ...extraLabels },
    annotations: template.metadata?.annotations,
    owner: ownerRef(owner),
    template: template.spec ?? {},
    behaviour,
    createdAt,
    nodeName,
  });
}

function event(cluster: Cluster, object: KubeObject, reason: string, message: string, component: string, now: number): void {
  recordEvent(cluster, {
    type: 'Normal',
    reason,
    message,
    involved: { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name, uid: object.metadata.uid, apiVersion: object.apiVersion },
    component,
  }, now);
}

/** `initial`: building the seeded cluster (pods get their hinted behaviour and backdated times). */
export function reconcileWorkload(cluster: Cluster, object: KubeObject, now: number, initial: boolean): void {
  switch (object.kind) {
    case 'Deployment':
      return reconcileDeployment(cluster, object, now, initial);
    case 'ReplicaSet':
      return reconcileReplicaSet(cluster, object, now, initial);
    case 'StatefulSet':
      return reconcileStatefulSet(cluster, object, now, initial);
    case 'DaemonSet':
      return reconcileDaemonSet(cluster, object, now, initial);
    case 'Job':
      return reconcileJob(cluster, object, now, initial);
    default:
      return;
  }
}

function reconcileDeployment(cluster: Cluster, deployment: KubeObject, now: number, initial: boolean): void {
  const ns = deployment.metadata.namespace ?? 'default';
  const spec = specOf(deployment);
  const replicas = Number(spec.replicas ?? 1);
  const template = templateOf(deployment);
  const hash = templateHash(template);
  const owned = cluster.store.list('apps/replicasets', ns).filter((rs) => rs.metadata.ownerReferences?.[0]?.uid === deployment.metadata.uid);
  const rsName = `${deployment.metadata.name}-${hash}`;
  let current = owned.find((rs) => rs.metadata.name === rsName);
  const revisionOf = (rs: KubeObject): number => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
  if (!current) {
    const revision = Math.max(0, ...owned.map(revisionOf)) + 1;
    const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash };
    const selector = (spec.selector ?? {}) as { matchLabels?: Record<string, string> };
    current = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: buildMeta({
        name: rsName,
        namespace: ns,
        uid: randomUid(cluster.random),
        createdAt: initial ? Date.parse(deployment.metadata.creationTimestamp) + 1000 : now,
        labels,
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(replicas),
          'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas / 4)),
          'deployment.kubernetes.io/revision': String(revision),
        },
        owner: ownerRef(deployment),
        generation: 1,
      }),
      spec: {
        replicas,
        selector: { matchLabels: { ...(selector.matchLabels ?? {}), 'pod-template-hash': hash } },
        template: { ...template, metadata: { ...(template.metadata ?? {}), labels } },
      },
      status: { replicas: 0, observedGeneration: 1 },
    };
    cluster.store.put('apps/replicasets', current);
    if (!initial) event(cluster, deployment, 'ScalingReplicaSet', `Scaled up replica set ${rsName} from 0 to ${replicas}`, 'deployment-controller', now);
  } else if (Number(specOf(current).replicas) !== replicas) {
    const from = Number(specOf(current).replicas);
    specOf(current).replicas = replicas;
    current.metadata.generation = (current.metadata.generation ?? 1) + 1;
    cluster.store.touch('apps/replicasets', current);
    event(cluster, deployment, 'ScalingReplicaSet', `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rsName} from ${from} to ${replicas}`, 'deployment-controller', now);
  }
  // Recreate-style rollout, kept simple: old ReplicaSets scale to zero as soon as the new one exists.
  for (const old of owned) {
    if (old === current || Number(specOf(old).replicas ?? 0) === 0) continue;
    const from = Number(specOf(old).replicas);
    specOf(old).replicas = 0;
    cluster.store.touch('apps/replicasets', old);
    event(cluster, deployment, 'ScalingReplicaSet', `Scaled down replica set ${old.metadata.name} from ${from} to 0`, 'deployment-controller', now);
    reconcileReplicaSet(cluster, old, now, false);
  }
  const annotations = (deployment.metadata.annotations ??= {});
  const revision = current.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '1';
  if (annotations['deployment.kubernetes.io/revision'] !== revision) {
    annotations['deployment.kubernetes.io/revision'] = revision;
    cluster.store.touch('apps/deployments', deployment);
  }
  reconcileReplicaSet(cluster, current, now, initial);
}

function reconcileReplicaSet(cluster: Cluster, rs: KubeObject, now: number, initial: boolean): void {
  const replicas = Number(specOf(rs).replicas ?? 1);
  const hints = hintsOf(cluster, rs);
  const pods = [...cluster.pods.values()].filter((p) => p.owner?.uid === rs.metadata.uid);
  const active = pods.filter(isActive);
  const created = Date.parse(rs.metadata.creationTimestamp);
  for (let i = active.length; i < replicas; i++) {
    const behaviour = initial ? (hints.behaviours?.[i] ?? 'steady') : liveBehaviour(hints.behaviours?.[i]);
    const pod = spawnPod(cluster, rs, `${rs.metadata.name}-${randomSuffix(cluster.random, 5)}`, behaviour, initial ? created + 2000 + i * 1000 : now, {});
    if (!initial) event(cluster, rs, 'SuccessfulCreate', `Created pod: ${pod.name}`, 'replicaset-controller', now);
  }
  if (initial) {
    for (const behaviour of hints.extras ?? []) {
      spawnPod(cluster, rs, `${rs.metadata.name}-${randomSuffix(cluster.random, 5)}`, behaviour, created + 1000, {});
    }
  }
  // Scale down: the newest pods go first.
  const surplus = active.sort((a, b) => b.createdAt - a.createdAt).slice(0, Math.max(0, active.length - replicas));
  for (const pod of surplus) {
    beginPodDeletion(cluster, pod, now);
    event(cluster, rs, 'SuccessfulDelete', `Deleted pod: ${pod.name}`, 'replicaset-controller', now);
  }
}

function reconcileStatefulSet(cluster: Cluster, sts: KubeObject, now: number, initial: boolean): void {
  const ns = sts.metadata.namespace ?? 'default';
  const replicas = Number(specOf(sts).replicas ?? 1);
  const revision = `${sts.metadata.name}-${templateHash(templateOf(sts)).slice(0, 10)}`;
  const hints = hintsOf(cluster, sts);
  const created = Date.parse(sts.metadata.creationTimestamp);
  // Ordinals 0..replicas-1 must exist; ordinals above go, up to the first gap.
  for (let i = 0; ; i++) {
    const name = `${sts.metadata.name}-${i}`;
    const pod = cluster.pods.get(`${ns}/${name}`);
    if (i >= replicas) {
      if (!pod) break;
      beginPodDeletion(cluster, pod, now);
      continue;
    }
    // A changed template replaces pods one by one; here, all at once on the next pass.
    if (pod && pod.labels['controller-revision-hash'] !== revision && pod.deletedAt === null) {
      beginPodDeletion(cluster, pod, now);
      continue;
    }
    if (pod) continue;
    const behaviour = initial ? (hints.behaviours?.[i] ?? 'steady') : liveBehaviour(hints.behaviours?.[i]);
    spawnPod(cluster, sts, name, behaviour, initial ? created + 2000 + i * 30_000 : now, {
      'apps.kubernetes.io/pod-index': String(i),
      'controller-revision-hash': revision,
      'statefulset.kubernetes.io/pod-name': name,
    });
    if (!initial) event(cluster, sts, 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${sts.metadata.name} successful`, 'statefulset-controller', now);
  }
}

function reconcileDaemonSet(cluster: Cluster, ds: KubeObject, now: number, initial: boolean): void {
  const revision = templateHash(templateOf(ds)).slice(0, 10);
  const pods = [...cluster.pods.values()].filter((p) => p.owner?.uid === ds.metadata.uid && p.deletedAt === null);
  const created = Date.parse(ds.metadata.creationTimestamp);
  for (const pod of pods) if (pod.labels['controller-revision-hash'] !== revision) beginPodDeletion(cluster, pod, now);
  for (const node of cluster.nodes) {
    if (pods.some((p) => p.nodeName === node.name && p.labels['controller-revision-hash'] === revision)) continue;
    const name = `${ds.metadata.name}-${randomSuffix(cluster.random, 5)}`;
    spawnPod(cluster, ds, name, initial ? 'steady' : 'creating', initial ? Math.max(created, node.createdAt) + 5000 : now, {
      'controller-revision-hash': revision,
      'pod-template-generation': String(ds.metadata.generation ?? 1),
    }, node.name);
    if (!initial) event(cluster, ds, 'SuccessfulCreate', `Created pod: ${name}`, 'daemonset-controller', now);
  }
}

function reconcileJob(cluster: Cluster, job: KubeObject, now: number, initial: boolean): void {
  const pods = [...cluster.pods.values()].filter((p) => p.owner?.uid === job.metadata.uid);
  if (pods.length > 0) return;
  const hints = hintsOf(cluster, job);
  const behaviours = initial ? (hints.behaviours ?? ['completed']) : ['running-job' as const];
  const created = Date.parse(job.metadata.creationTimestamp);
  const uid = job.metadata.uid;
  behaviours.forEach((behaviour, i) => {
    const name = `${job.metadata.name}-${randomSuffix(cluster.random, 5)}`;
    spawnPod(cluster, job, name, behaviour, initial ? created + 1000 + i * 20_000 : now, {
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': job.metadata.name,
      'controller-uid': uid,
      'job-name': job.metadata.name,
    });
    if (!initial) event(cluster, job, 'SuccessfulCreate', `Created pod: ${name}`, 'job-controller', now);
  });
}

// Fire the CronJobs that run every few minutes (a schedule of "*/N * * * *" or "* * * * *") once every
// `everyTicks` ticks: simulated time runs faster than their schedule. Daily and hourly ones never fire here.
// Keep the three newest Jobs, like successfulJobsHistoryLimit.
export function runCronJobs(cluster: Cluster, now: number, everyTicks: number): void {
  if (everyTicks <= 0 || cluster.tickCount % everyTicks !== 0) return;
  for (const cronJob of cluster.store.list('batch/cronjobs')) {
    const spec = specOf(cronJob);
    if (spec.suspend === true || !/^(\*|\*\/\d+) \* \* \* \*$/.test(String(spec.schedule ?? ''))) continue;
    const ns = cronJob.metadata.namespace ?? 'default';
    let minutes = Math.floor(now / 60_000);
    while (cluster.store.get('batch/jobs', ns, `${cronJob.metadata.name}-${minutes}`)) minutes++;
    const job = buildJob(cluster, ns, `${cronJob.metadata.name}-${minutes}`, (spec.jobTemplate as { spec?: JsonObject } | undefined)?.spec ?? {}, now, cronJob);
    cluster.store.put('batch/jobs', job);
    reconcileJob(cluster, job, now, false);
    event(cluster, cronJob, 'SuccessfulCreate', `Created job ${job.metadata.name}`, 'cronjob-controller', now);
    const jobs = cluster.store.list('batch/jobs', ns).filter((j) => j.metadata.ownerReferences?.[0]?.uid === cronJob.metadata.uid);
    jobs.sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name));
    for (const stale of jobs.slice(0, Math.max(0, jobs.length - 3))) {
      cluster.store.remove('batch/jobs', ns, stale.metadata.name);
      event(cluster, cronJob, 'SuccessfulDelete', `Deleted job ${stale.metadata.name}`, 'cronjob-controller', now);
    }
    (cronJob.status as JsonObject).lastScheduleTime = iso(now);
    cluster.store.touch('batch/cronjobs', cronJob);
  }
}

export function buildJob(cluster: Cluster, namespace: string, name: string, jobSpec: JsonObject, createdAt: number, owner: KubeObject | null): KubeObject {
  const uid = randomUid(cluster.random);
  const template = (jobSpec.template ?? {}) as PodTemplate;
  const selectorLabels = { 'batch.kubernetes.io/controller-uid': uid };
  const podLabels = { ...(template.metadata?.labels ?? {}), ...selectorLabels, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: buildMeta({ name, namespace, uid, createdAt, labels: { ...selectorLabels, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name }, owner: owner ? ownerRef(owner) : null, generation: 1 }),
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

function condition(type: string, status: boolean, at: string, reason?: string, message?: string): JsonObject {
  return { lastTransitionTime: at, lastUpdateTime: at, ...(message ? { message } : {}), ...(reason ? { reason } : {}), status: status ? 'True' : 'False', type };
}

function computeStatus(cluster: Cluster, object: KubeObject, byOwner: Map<string, PodModel[]>, now: number): JsonObject | null {
  const spec = specOf(object);
  const generation = object.metadata.generation ?? 1;
  const pods = (byOwner.get(object.metadata.uid) ?? []).filter(isActive);
  const ready = pods.filter(isPodReady).length;
  const previous = (object.status ?? {}) as JsonObject;
  const since = (type: string, status: string): string => {
    const found = ((previous.conditions as JsonObject[] | undefined) ?? []).find((c) => c.type === type && c.status === status);
    return String(found?.lastTransitionTime ?? iso(now));
  };
  switch (object.kind) {
    case 'ReplicaSet':
      return { availableReplicas: ready, fullyLabeledReplicas: pods.length, observedGeneration: generation, readyReplicas: ready, replicas: pods.length };
    case 'Deployment': {
      const ns = object.metadata.namespace;
      const sets = cluster.store.list('apps/replicasets', ns).filter((rs) => rs.metadata.ownerReferences?.[0]?.uid === object.metadata.uid);
      const currentName = `${object.metadata.name}-${templateHash(templateOf(object))}`;
      const all = sets.flatMap((rs) => (byOwner.get(rs.metadata.uid) ?? []).filter(isActive));
      const updated = sets.filter((rs) => rs.metadata.name === currentName).flatMap((rs) => (byOwner.get(rs.metadata.uid) ?? []).filter(isActive));
      const readyAll = all.filter(isPodReady).length;
      const desired = Number(spec.replicas ?? 1);
      const available = readyAll >= desired - Math.floor(desired / 4);
      const complete = updated.length === desired && all.length === desired && readyAll === desired;
      return {
        availableReplicas: readyAll,
        conditions: [
          condition('Available', available, since('Available', available ? 'True' : 'False'), available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.'),
          condition('Progressing', true, since('Progressing', 'True'), complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated', complete ? `ReplicaSet "${currentName}" has successfully progressed.` : `ReplicaSet "${currentName}" is progressing.`),
        ],
        observedGeneration: generation,
        readyReplicas: readyAll,
        replicas: all.length,
        ...(all.length - readyAll > 0 ? { unavailableReplicas: Math.max(0, desired - readyAll) } : {}),
        updatedReplicas: updated.length,
      };
    }
    case 'StatefulSet': {
      const revision = `${object.metadata.name}-${templateHash(templateOf(object)).slice(0, 10)}`;
      return { availableReplicas: ready, collisionCount: 0, currentReplicas: pods.length, currentRevision: revision, observedGeneration: generation, readyReplicas: ready, replicas: pods.length, updateRevision: revision, updatedReplicas: pods.length };
    }
    case 'DaemonSet': {
      const desired = cluster.nodes.length;
      return { currentNumberScheduled: pods.length, desiredNumberScheduled: desired, numberAvailable: ready, numberMisscheduled: 0, numberReady: ready, observedGeneration: generation, updatedNumberScheduled: pods.length, ...(desired - ready > 0 ? { numberUnavailable: desired - ready } : {}) };
    }
    case 'Job': {
      const all = byOwner.get(object.metadata.uid) ?? [];
      const succeeded = all.filter((p) => p.phase === 'Succeeded').length;
      const failed = all.filter((p) => p.phase === 'Failed').length;
      const active = all.filter(isActive).length;
      const start = all.length > 0 ? iso(Math.min(...all.map((p) => p.createdAt))) : object.metadata.creationTimestamp;
      const base = { ...(active > 0 ? { active } : {}), ...(failed > 0 ? { failed } : {}), ready: all.filter(isPodReady).length, startTime: start, ...(succeeded > 0 ? { succeeded } : {}), terminating: 0, uncountedTerminatedPods: {} };
      if (succeeded >= Number(spec.completions ?? 1)) {
        const done = iso(Math.max(...all.filter((p) => p.phase === 'Succeeded').map((p) => p.readySince)));
        return { ...base, completionTime: done, conditions: [condition('SuccessCriteriaMet', true, done, 'CompletionsReached', 'Reached expected number of succeeded pods'), condition('Complete', true, done, 'CompletionsReached', 'Reached expected number of succeeded pods')] };
      }
      if (active === 0 && succeeded === 0 && failed > Number(spec.backoffLimit ?? 6)) {
        const done = iso(Math.max(...all.map((p) => p.readySince)));
        return { ...base, conditions: [condition('FailureTarget', true, done, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'), condition('Failed', true, done, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')] };
      }
      return base;
    }
    case 'CronJob': {
      const jobs = cluster.store.list('batch/jobs', object.metadata.namespace).filter((j) => j.metadata.ownerReferences?.[0]?.uid === object.metadata.uid);
      const activeJobs = jobs.filter((j) => !((j.status as JsonObject | undefined)?.conditions));
      const done = jobs.map((j) => (j.status as JsonObject | undefined)?.completionTime).filter((t): t is string => typeof t === 'string').sort();
      const scheduled = jobs.map((j) => j.metadata.creationTimestamp).sort();
      return {
        ...(activeJobs.length > 0 ? { active: activeJobs.map((j) => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace: j.metadata.namespace, resourceVersion: j.metadata.resourceVersion, uid: j.metadata.uid })) } : {}),
        ...(scheduled.length > 0 ? { lastScheduleTime: scheduled[scheduled.length - 1] } : previous.lastScheduleTime ? { lastScheduleTime: previous.lastScheduleTime } : {}),
        ...(done.length > 0 ? { lastSuccessfulTime: done[done.length - 1] } : {}),
      };
    }
    default:
      return null;
  }
}

/** Recompute workload statuses from their pods; only objects whose status changed get a new resourceVersion. */
export function refreshStatuses(cluster: Cluster, now: number): void {
  const byOwner = indexPodsByOwner(cluster);
  // Order matters: Jobs before CronJobs (which read Job status), ReplicaSets before Deployments.
  for (const key of ['apps/replicasets', 'apps/deployments', 'apps/statefulsets', 'apps/daemonsets', 'batch/jobs', 'batch/cronjobs']) {
    for (const object of cluster.store.list(key)) {
      const status = computeStatus(cluster, object, byOwner, now);
      if (!status || JSON.stringify(status) === JSON.stringify(object.status ?? {})) continue;
      object.status = status;
      cluster.store.touch(key, object);
    }
  }
}

/** `kubectl rollout restart`: a new template annotation makes a new ReplicaSet replace every pod. */
export function restartWorkload(cluster: Cluster, object: KubeObject, now: number): void {
  const template = templateOf(object);
  template.metadata = { ...(template.metadata ?? {}), annotations: { ...(template.metadata?.annotations ?? {}), 'kubectl.kubernetes.io/restartedAt': new Date(now).toISOString().replace(/\.\d+Z$/, 'Z') } };
  (object.spec as JsonObject).template = template;
  object.metadata.generation = (object.metadata.generation ?? 1) + 1;
  const key = storeKeyOfKind(object.kind);
  if (key) cluster.store.touch(key, object);
  reconcileWorkload(cluster, object, now, false);
}

/** Replace one pod of a ReplicaSet (a node drain, an eviction): the old one terminates, a new name appears. */
export function replaceOnePod(cluster: Cluster, pod: PodModel, now: number): void {
  if (!pod.owner || pod.owner.kind !== 'ReplicaSet') return;
  const rs = cluster.store.findByUid(pod.owner.uid)?.object;
  beginPodDeletion(cluster, pod, now);
  if (rs) reconcileReplicaSet(cluster, rs, now, false);
}

/** A workload object as stored at seed time; the controllers then create its children. */
export function buildWorkload(cluster: Cluster, fields: {
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
}): KubeObject {
  const appLabels = fields.labels ?? { app: fields.name };
  const template = { metadata: { labels: appLabels }, spec: fields.podSpec };
  const meta = buildMeta({ name: fields.name, namespace: fields.namespace, uid: randomUid(cluster.random), createdAt: fields.createdAt, labels: appLabels, annotations: fields.annotations, generation: 1, owner: fields.owner ? ownerRef(fields.owner) : null });
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
        spec: { revisionHistoryLimit: 10, selector: { matchLabels: appLabels }, template, updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 }, type: 'RollingUpdate' } },
        status: {},
      };
    case 'Job': {
      const job = buildJob(cluster, fields.namespace, fields.name, { template: { ...template, spec: { restartPolicy: 'Never', ...fields.podSpec } }, backoffLimit: fields.podSpec.restartPolicy === 'OnFailure' ? 6 : 1 }, fields.createdAt, fields.owner ?? null);
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
          jobTemplate: { metadata: { creationTimestamp: null }, spec: { backoffLimit: 2, template: { metadata: { creationTimestamp: null, labels: appLabels }, spec: { restartPolicy: 'OnFailure', ...fields.podSpec } } } },
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

