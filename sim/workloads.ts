// Workload controllers, reduced to what makes owner chains and statuses real: Deployment → ReplicaSet → Pod,
// StatefulSet → Pod, DaemonSet → one Pod per node, CronJob → Job → Pod. They run when a workload is created or
// changed and on every tick. The objects they act on are built in workload-objects.ts; their statuses follow
// the pods in workload-status.ts.
import { type Cluster, type WorkloadHints } from './cluster-types.ts';
import { recordEvent } from './events.ts';
import { buildMeta, iso, type JsonObject, ownerRef, type PodBehaviour, type PodModel } from './objects.ts';
import { beginPodDeletion, createPod } from './pods.ts';
import { randomSuffix, randomUid } from './random.ts';
import type { KubeObject } from './store.ts';
import { buildJob, specOf, storeKeyOfKind, templateHash, templateOf } from './workload-objects.ts';

/** Hints of a workload, looked up through its controller (a ReplicaSet uses its Deployment's). */
function hintsOf(cluster: Cluster, object: KubeObject): WorkloadHints {
  const own = cluster.hints.get(object.metadata.uid);
  if (own) return own;
  const owner = object.metadata.ownerReferences?.[0];
  return (owner && cluster.hints.get(owner.uid)) ?? {};
}

/** Counts toward its controller's replicas: not deleted, not finished. */
export function isActive(pod: PodModel): boolean {
  return pod.deletedAt === null && pod.phase !== 'Failed' && pod.phase !== 'Succeeded';
}

function liveBehaviour(hinted: PodBehaviour | undefined): PodBehaviour {
  // New pods start by being created, unless the workload is broken in a way that shows at once.
  const shows: (PodBehaviour | undefined)[] = ['crashloop', 'oomloop', 'imagepull', 'pending', 'unready', 'mountfail'];
  return shows.includes(hinted) ? hinted! : 'creating';
}

function spawnPod(
  cluster: Cluster,
  owner: KubeObject,
  name: string,
  behaviour: PodBehaviour,
  createdAt: number,
  extraLabels: Record<string, string>,
  nodeName?: string,
): PodModel {
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
  recordEvent(
    cluster,
    {
      type: 'Normal',
      reason,
      message,
      involved: {
        kind: object.kind,
        namespace: object.metadata.namespace,
        name: object.metadata.name,
        uid: object.metadata.uid,
        apiVersion: object.apiVersion,
      },
      component,
    },
    now,
  );
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
    event(
      cluster,
      deployment,
      'ScalingReplicaSet',
      `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rsName} from ${from} to ${replicas}`,
      'deployment-controller',
      now,
    );
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
  const hints = hintsOf(cluster, ds);
  for (const pod of pods) if (pod.labels['controller-revision-hash'] !== revision) beginPodDeletion(cluster, pod, now);
  for (const node of cluster.nodes) {
    if (pods.some((p) => p.nodeName === node.name && p.labels['controller-revision-hash'] === revision)) continue;
    const name = `${ds.metadata.name}-${randomSuffix(cluster.random, 5)}`;
    spawnPod(
      cluster,
      ds,
      name,
      initial ? (hints.behaviours?.[node.index] ?? 'steady') : liveBehaviour(hints.behaviours?.[node.index]),
      initial ? Math.max(created, node.createdAt) + 5000 : now,
      {
        'controller-revision-hash': revision,
        'pod-template-generation': String(ds.metadata.generation ?? 1),
      },
      node.name,
    );
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

/** `kubectl rollout restart`: a new template annotation makes a new ReplicaSet replace every pod. */
export function restartWorkload(cluster: Cluster, object: KubeObject, now: number): void {
  const template = templateOf(object);
  template.metadata = {
    ...(template.metadata ?? {}),
    annotations: { ...(template.metadata?.annotations ?? {}), 'kubectl.kubernetes.io/restartedAt': new Date(now).toISOString().replace(/\.\d+Z$/, 'Z') },
  };
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
