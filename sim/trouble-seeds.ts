// The user workloads every simulated cluster shows first: one of each pod shape an operator must recognise (crash
// loop, image pull back-off, OOM kill, pending, evicted, stuck, failed Job, sidecars, CronJob history, a bare Pod).
import { container, DAY, HOUR, registryFor, type Seed } from './seeds.ts';

/**
 * One of each pod shape an operator must recognise, in the order they are kept when the pod budget is small. Seeds
 * that show a trouble name it (`problem`): planScenario leaves out the troubles a cluster is not seeded with.
 */
export function troubleSeeds(nodes: number): Seed[] {
  const reg = 'registry.example.com';
  return [
    {
      kind: 'Deployment',
      namespace: 'payments',
      name: 'ledger-sync',
      replicas: 1,
      behaviours: ['crashloop'],
      pinned: true,
      ageMs: 5 * HOUR,
      cost: 1,
      problem: 'crashloop',
      podSpec: {
        containers: [
          container('ledger-sync', `${reg}/payments/ledger-sync-python:0.9.4`, {
            cpu: '50m',
            memory: '128Mi',
            memoryLimit: '256Mi',
            env: [{ name: 'LOG_LEVEL', value: 'info' }],
          }),
        ],
      },
    },
    {
      kind: 'Deployment',
      namespace: 'shop',
      name: 'recommendations',
      replicas: 1,
      behaviours: ['imagepull'],
      pinned: true,
      ageMs: 40 * 60_000,
      cost: 1,
      problem: 'imagepull',
      podSpec: {
        containers: [
          container('recommendations', `${reg}/shop/recommendations:v2.0.0-rc1`, {
            cpu: '100m',
            memory: '256Mi',
            ports: [{ containerPort: 8080, name: 'http' }],
          }),
        ],
      },
    },
    {
      kind: 'Deployment',
      namespace: 'shop',
      name: 'image-resizer',
      replicas: 1,
      behaviours: ['oom'],
      pinned: true,
      ageMs: 2 * DAY,
      cost: 1,
      problem: 'oom',
      podSpec: { containers: [container('resizer', `${reg}/shop/image-resizer-python:1.3.0`, { cpu: '200m', memory: '192Mi', memoryLimit: '256Mi' })] },
    },
    {
      kind: 'Deployment',
      namespace: 'data',
      name: 'search-indexer',
      replicas: 1,
      behaviours: ['pending'],
      pinned: true,
      ageMs: 25 * 60_000,
      cost: 1,
      problem: 'pending',
      podSpec: { containers: [container('indexer', `${reg}/data/search-indexer:4.1.0`, { cpu: String(Math.max(12, nodes * 4)), memory: '24Gi' })] },
    },
    {
      kind: 'Deployment',
      namespace: 'shop',
      name: 'legacy-worker',
      replicas: 1,
      extras: ['evicted'],
      pinned: true,
      ageMs: 9 * DAY,
      cost: 2,
      problem: 'evicted',
      podSpec: { containers: [container('worker', `${reg}/shop/legacy-worker-java:3.2.7`, { cpu: '250m', memory: '256Mi' })] },
    },
    {
      kind: 'Deployment',
      namespace: 'shop',
      name: 'cart',
      replicas: 2,
      extras: ['stuck'],
      pinned: true,
      ageMs: 6 * DAY,
      cost: 3,
      problem: 'stuck',
      podSpec: {
        containers: [
          container('cart', `${reg}/shop/cart-node:2.8.1`, {
            cpu: '100m',
            memory: '128Mi',
            memoryLimit: '256Mi',
            ports: [{ containerPort: 3000, name: 'http' }],
            probes: true,
          }),
        ],
      },
    },
    {
      kind: 'Deployment',
      namespace: 'shop',
      name: 'api',
      replicas: 2,
      ageMs: 3 * DAY,
      cost: 2,
      podSpec: {
        initContainers: [
          container('migrate', `${reg}/shop/api:1.14.2`, { command: ['/app/migrate', 'up'] }),
          container('log-shipper', 'fluent/fluent-bit:3.2.2', { cpu: '10m', memory: '32Mi', memoryLimit: '64Mi', restartPolicy: 'Always' }),
        ],
        containers: [
          container('api', `${reg}/shop/api:1.14.2`, {
            cpu: '250m',
            memory: '256Mi',
            memoryLimit: '512Mi',
            cpuLimit: '1',
            ports: [{ containerPort: 8080, name: 'http' }],
            probes: true,
          }),
        ],
      },
    },
    {
      kind: 'Deployment',
      namespace: 'shop',
      name: 'checkout',
      replicas: 2,
      ageMs: 4 * DAY,
      cost: 2,
      podSpec: {
        containers: [
          container('checkout', `${reg}/shop/checkout-java:2.4.1`, {
            cpu: '500m',
            memory: '768Mi',
            memoryLimit: '1Gi',
            ports: [{ containerPort: 8080, name: 'http' }],
            probes: true,
          }),
          container('envoy', 'envoyproxy/envoy:v1.32.1', { cpu: '50m', memory: '64Mi', ports: [{ containerPort: 9901, name: 'admin' }] }),
        ],
      },
    },
    {
      kind: 'CronJob',
      namespace: 'batch',
      name: 'nightly-report',
      schedule: '0 2 * * *',
      history: 3,
      pinned: true,
      ageMs: 20 * DAY,
      cost: 3,
      podSpec: { containers: [container('report', `${reg}/batch/reports-python:5.0.2`, { cpu: '100m', memory: '256Mi' })] },
    },
    {
      kind: 'CronJob',
      namespace: 'batch',
      name: 'queue-sweeper',
      schedule: '*/5 * * * *',
      history: 2,
      pinned: true,
      ageMs: 8 * DAY,
      cost: 2,
      podSpec: { containers: [container('sweeper', 'busybox:1.37', { command: ['sh', '-c', 'echo sweeping; sleep 5'] })] },
    },
    {
      kind: 'Job',
      namespace: 'batch',
      name: 'import-catalog',
      behaviours: ['failed', 'failed'],
      pinned: true,
      ageMs: 3 * HOUR,
      cost: 2,
      problem: 'failed-job',
      podSpec: { restartPolicy: 'Never', containers: [container('import', `${reg}/batch/import-catalog:1.0.0`, { cpu: '100m', memory: '128Mi' })] },
    },
    {
      // The well-configured one (policy checks pass): probes, requests and limits, non-root, read-only root
      // filesystem, no privilege escalation, every capability dropped, the runtime's seccomp profile; a PDB
      // (pdbs.ts) keeps two of its three replicas up through a drain.
      kind: 'Deployment',
      namespace: 'shop',
      name: 'web',
      replicas: 3,
      ageMs: 12 * DAY,
      cost: 3,
      podSpec: {
        securityContext: { runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          container('nginx', 'nginx:1.27.3-alpine', {
            cpu: '50m',
            memory: '64Mi',
            memoryLimit: '128Mi',
            ports: [{ containerPort: 80, name: 'http' }],
            probes: true,
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
          }),
        ],
      },
    },
    {
      kind: 'StatefulSet',
      namespace: 'data',
      name: 'postgres',
      replicas: 1,
      pinned: true,
      ageMs: 18 * DAY,
      cost: 1,
      podSpec: {
        containers: [
          container('postgres', 'postgres:16.6', {
            cpu: '250m',
            memory: '512Mi',
            memoryLimit: '1Gi',
            ports: [{ containerPort: 5432, name: 'postgres' }],
            env: [{ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }],
          }),
        ],
      },
    },
    {
      kind: 'StatefulSet',
      namespace: 'data',
      name: 'redis',
      replicas: 1,
      pinned: true,
      ageMs: 18 * DAY,
      cost: 1,
      podSpec: { containers: [container('redis', 'redis:7.4.1-alpine', { cpu: '50m', memory: '64Mi', ports: [{ containerPort: 6379, name: 'redis' }] })] },
    },
    {
      kind: 'DaemonSet',
      namespace: 'monitoring',
      name: 'node-exporter',
      labels: { 'app.kubernetes.io/name': 'node-exporter' },
      pinned: true,
      ageMs: 15 * DAY,
      cost: nodes,
      // The one policy checks flag: privileged, the host's network and PID namespaces, hostPath mounts, a host
      // port, no probes and no limits (as many hand-written node agents run).
      podSpec: {
        hostNetwork: true,
        hostPID: true,
        containers: [
          {
            ...container('node-exporter', 'prom/node-exporter:v1.8.2', {
              cpu: '10m',
              memory: '24Mi',
              ports: [{ containerPort: 9100, name: 'metrics' }],
              args: ['--path.procfs=/host/proc', '--path.sysfs=/host/sys', '--path.rootfs=/host/root'],
              securityContext: { privileged: true },
            }),
            ports: [{ containerPort: 9100, hostPort: 9100, name: 'metrics', protocol: 'TCP' }],
            volumeMounts: [
              { mountPath: '/host/proc', name: 'proc', readOnly: true },
              { mountPath: '/host/sys', name: 'sys', readOnly: true },
              { mountPath: '/host/root', mountPropagation: 'HostToContainer', name: 'root', readOnly: true },
            ],
          },
        ],
        volumes: [
          { hostPath: { path: '/proc', type: '' }, name: 'proc' },
          { hostPath: { path: '/sys', type: '' }, name: 'sys' },
          { hostPath: { path: '/', type: '' }, name: 'root' },
        ],
      },
    },
    {
      kind: 'Deployment',
      namespace: 'monitoring',
      name: 'grafana',
      replicas: 1,
      ageMs: 15 * DAY,
      cost: 1,
      podSpec: {
        containers: [
          container('grafana', 'grafana/grafana:11.4.0', { cpu: '100m', memory: '128Mi', ports: [{ containerPort: 3000, name: 'http' }], probes: true }),
        ],
      },
    },
    {
      kind: 'Pod',
      namespace: 'default',
      name: 'debug-shell',
      ageMs: 2 * HOUR,
      cost: 1,
      podSpec: { containers: [container('shell', 'busybox:latest', { command: ['sleep', 'infinity'] })] },
    },
    {
      kind: 'Job',
      namespace: 'batch',
      name: 'db-migrate-20250110',
      ageMs: 7 * DAY,
      cost: 1,
      podSpec: { restartPolicy: 'Never', containers: [container('migrate', `${registryFor('batch')}/db-migrate:20250110`, { cpu: '100m', memory: '64Mi' })] },
    },
  ];
}
