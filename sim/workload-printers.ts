// The printers of the apps and batch API groups: Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs.
import type { JsonObject } from './objects.ts';
import { AGE, age, col, containersAndImages, humanDuration, NAME, num, type Printer, selectorText, since } from './printing.ts';

export const WORKLOAD_PRINTERS: Record<string, Printer> = {
  'apps/deployments': {
    columns: [
      NAME,
      col('Ready', 'Number of the pod with ready state'),
      col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
      AGE,
      col('Containers', 'Names of each container in the template.', 1),
      col('Images', 'Images referenced by each container in the template.', 1),
      col('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1),
    ],
    row: (d, now) => {
      const spec = (d.spec ?? {}) as JsonObject;
      const status = (d.status ?? {}) as JsonObject;
      const [containers, images] = containersAndImages(spec.template);
      return [
        d.metadata.name,
        `${num(status.readyReplicas)}/${num(spec.replicas)}`,
        num(status.updatedReplicas),
        num(status.availableReplicas),
        age(d, now),
        containers,
        images,
        selectorText(spec.selector),
      ];
    },
  },
  'apps/replicasets': {
    columns: [
      NAME,
      col('Desired', 'Number of desired pods.'),
      col('Current', 'Number of actual replicas.'),
      col('Ready', 'The number of ready replicas for this replica set.'),
      AGE,
      col('Containers', 'Names of each container in the template.', 1),
      col('Images', 'Images referenced by each container in the template.', 1),
      col('Selector', 'Label selector for pods.', 1),
    ],
    row: (rs, now) => {
      const spec = (rs.spec ?? {}) as JsonObject;
      const status = (rs.status ?? {}) as JsonObject;
      const [containers, images] = containersAndImages(spec.template);
      return [
        rs.metadata.name,
        num(spec.replicas),
        num(status.replicas),
        num(status.readyReplicas),
        age(rs, now),
        containers,
        images,
        selectorText(spec.selector),
      ];
    },
  },
  'apps/statefulsets': {
    columns: [
      NAME,
      col('Ready', 'Number of the pod with ready state'),
      AGE,
      col('Containers', 'Names of each container in the template.', 1),
      col('Images', 'Images referenced by each container in the template.', 1),
    ],
    row: (s, now) => {
      const spec = (s.spec ?? {}) as JsonObject;
      const [containers, images] = containersAndImages(spec.template);
      return [s.metadata.name, `${num((s.status as JsonObject | undefined)?.readyReplicas)}/${num(spec.replicas)}`, age(s, now), containers, images];
    },
  },
  'apps/daemonsets': {
    columns: [
      NAME,
      col('Desired', 'The number of nodes that should be running the daemon pod.'),
      col('Current', 'The number of nodes running at least one daemon pod.'),
      col('Ready', 'The number of nodes that should be running the daemon pod and have one or more running and ready.'),
      col('Up-to-date', 'The total number of nodes that are running updated daemon pod'),
      col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.'),
      col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
      AGE,
      col('Containers', 'Names of each container in the template.', 1),
      col('Images', 'Images referenced by each container in the template.', 1),
      col('Selector', 'A label query over pods that are managed by the daemon set.', 1),
    ],
    row: (ds, now) => {
      const spec = (ds.spec ?? {}) as JsonObject;
      const status = (ds.status ?? {}) as JsonObject;
      const [containers, images] = containersAndImages(spec.template);
      const nodeSelector = (spec.template as { spec?: { nodeSelector?: Record<string, string> } } | undefined)?.spec?.nodeSelector ?? {};
      return [
        ds.metadata.name,
        num(status.desiredNumberScheduled),
        num(status.currentNumberScheduled),
        num(status.numberReady),
        num(status.updatedNumberScheduled),
        num(status.numberAvailable),
        Object.entries(nodeSelector)
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || '<none>',
        age(ds, now),
        containers,
        images,
        selectorText(spec.selector),
      ];
    },
  },
  'batch/jobs': {
    columns: [
      NAME,
      col('Status', 'Status of the job.'),
      col('Completions', 'The completion status of the job.'),
      col('Duration', 'Time required to complete the job.'),
      AGE,
      col('Containers', 'Names of each container in the template.', 1),
      col('Images', 'Images referenced by each container in the template.', 1),
      col('Selector', 'Label selector for pods.', 1),
    ],
    row: (job, now) => {
      const spec = (job.spec ?? {}) as JsonObject;
      const status = (job.status ?? {}) as { conditions?: { type: string; status: string }[]; succeeded?: number; startTime?: string; completionTime?: string };
      const has = (type: string): boolean => (status.conditions ?? []).some((c) => c.type === type && c.status === 'True');
      const state = has('Failed')
        ? 'Failed'
        : has('Complete')
          ? 'Complete'
          : has('Suspended')
            ? 'Suspended'
            : has('FailureTarget')
              ? 'FailureTarget'
              : 'Running';
      const start = status.startTime ? Date.parse(status.startTime) : null;
      const end = status.completionTime ? Date.parse(status.completionTime) : now;
      const [containers, images] = containersAndImages(spec.template);
      return [
        job.metadata.name,
        state,
        `${status.succeeded ?? 0}/${num(spec.completions) || 1}`,
        start === null ? '' : humanDuration(end - start),
        age(job, now),
        containers,
        images,
        selectorText(spec.selector),
      ];
    },
  },
  'batch/cronjobs': {
    columns: [
      NAME,
      col('Schedule', 'The schedule in Cron format.'),
      col('Timezone', 'The timezone of the schedule.'),
      col('Suspend', 'Whether the cron job is suspended.'),
      col('Active', 'The number of currently running jobs.'),
      col('Last Schedule', 'When the last job was successfully scheduled.'),
      AGE,
      col('Containers', 'Names of each container in the template.', 1),
      col('Images', 'Images referenced by each container in the template.', 1),
      col('Selector', 'Label selector for pods.', 1),
    ],
    row: (cj, now) => {
      const spec = (cj.spec ?? {}) as JsonObject;
      const status = (cj.status ?? {}) as { active?: unknown[]; lastScheduleTime?: string };
      const template = (spec.jobTemplate as { spec?: { template?: unknown } } | undefined)?.spec?.template;
      const [containers, images] = containersAndImages(template);
      return [
        cj.metadata.name,
        spec.schedule ?? '',
        spec.timeZone ?? '<none>',
        String(spec.suspend ?? false) === 'true' ? 'True' : 'False',
        (status.active ?? []).length,
        status.lastScheduleTime ? since(status.lastScheduleTime, now) : '<none>',
        age(cj, now),
        containers,
        images,
        '<none>',
      ];
    },
  },
};
