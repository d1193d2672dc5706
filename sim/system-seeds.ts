// The workloads a fresh k3s runs on its own (coredns, local-path-provisioner, metrics-server, traefik and its svclb
// DaemonSet, the helm-install Jobs that put traefik there) and the Niro agent, as seeds for the scenario.
import type { Cluster } from './cluster-types.ts';
import { buildMeta } from './objects.ts';
import { randomHex, randomUid } from './random.ts';
import { AGENT_NAME, AGENT_NAMESPACE } from './rbac.ts';
import { container, DAY, type Seed } from './seeds.ts';
import type { KubeObject } from './store.ts';

export const AGENT_IMAGE = 'ghcr.io/niro/niro-agent:0.1.0';

const CRITICAL_TOLERATIONS = [
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
  { effect: 'NoSchedule', key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' },
  { effect: 'NoSchedule', key: 'node-role.kubernetes.io/master', operator: 'Exists' },
];

function helmChart(cluster: Cluster, name: string, createdAt: number): KubeObject {
  // HelmCharts are k3s CRDs the simulator does not serve; the object only exists to be named by ownerReferences.
  return {
    apiVersion: 'helm.cattle.io/v1',
    kind: 'HelmChart',
    metadata: buildMeta({ name, namespace: 'kube-system', uid: randomUid(cluster.random), createdAt }),
  };
}

export function systemSeeds(cluster: Cluster, metrics: boolean, age: number): Seed[] {
  const nodes = cluster.nodes.length;
  const svclbHash = randomHex(cluster.random, 8);
  const seeds: Seed[] = [
    {
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 'coredns',
      labels: { 'k8s-app': 'kube-dns' },
      pinned: true,
      ageMs: age,
      cost: 1,
      podSpec: {
        priorityClassName: 'system-cluster-critical',
        serviceAccountName: 'coredns',
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: CRITICAL_TOLERATIONS,
        containers: [
          container('coredns', 'rancher/mirrored-coredns-coredns:1.11.3', {
            cpu: '100m',
            memory: '70Mi',
            memoryLimit: '170Mi',
            args: ['-conf', '/etc/coredns/Corefile'],
            ports: [
              { containerPort: 53, name: 'dns', protocol: 'UDP' },
              { containerPort: 53, name: 'dns-tcp' },
              { containerPort: 9153, name: 'metrics' },
            ],
            probes: true,
          }),
        ],
      },
    },
    {
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 'local-path-provisioner',
      labels: { app: 'local-path-provisioner' },
      pinned: true,
      ageMs: age,
      cost: 1,
      podSpec: {
        priorityClassName: 'system-node-critical',
        serviceAccountName: 'local-path-provisioner-service-account',
        tolerations: CRITICAL_TOLERATIONS,
        containers: [
          container('local-path-provisioner', 'rancher/local-path-provisioner:v0.0.30', {
            command: ['local-path-provisioner', 'start', '--config', '/etc/config/config.json'],
          }),
        ],
      },
    },
    {
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 'traefik',
      labels: { 'app.kubernetes.io/instance': 'traefik-kube-system', 'app.kubernetes.io/name': 'traefik' },
      pinned: true,
      ageMs: age - 60_000,
      cost: 1,
      podSpec: {
        priorityClassName: 'system-cluster-critical',
        serviceAccountName: 'traefik',
        tolerations: CRITICAL_TOLERATIONS,
        containers: [
          container('traefik', 'rancher/mirrored-library-traefik:2.11.18', {
            args: [
              '--entryPoints.web.address=:8000/tcp',
              '--entryPoints.websecure.address=:8443/tcp',
              '--providers.kubernetescrd',
              '--providers.kubernetesingress',
            ],
            ports: [
              { containerPort: 9100, name: 'metrics' },
              { containerPort: 8000, name: 'web' },
              { containerPort: 8443, name: 'websecure' },
            ],
            probes: true,
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              runAsNonRoot: true,
              runAsUser: 65532,
              capabilities: { drop: ['ALL'] },
            },
          }),
        ],
      },
    },
    {
      kind: 'DaemonSet',
      namespace: 'kube-system',
      name: `svclb-traefik-${svclbHash}`,
      labels: {
        app: `svclb-traefik-${svclbHash}`,
        'svccontroller.k3s.cattle.io/svcname': 'traefik',
        'svccontroller.k3s.cattle.io/svcnamespace': 'kube-system',
      },
      pinned: true,
      ageMs: age - 60_000,
      cost: nodes,
      podSpec: {
        automountServiceAccountToken: false,
        priorityClassName: 'system-node-critical',
        tolerations: CRITICAL_TOLERATIONS,
        containers: [80, 443].map((p) =>
          container(`lb-tcp-${p}`, 'rancher/klipper-lb:v0.4.9', {
            ports: [{ containerPort: p, name: `lb-tcp-${p}` }],
            env: [
              { name: 'SRC_PORT', value: String(p) },
              { name: 'DEST_PROTO', value: 'TCP' },
            ],
            securityContext: { capabilities: { add: ['NET_ADMIN'] } },
          }),
        ),
      },
    },
    ...(['traefik-crd', 'traefik'] as const).map(
      (chart, i): Seed => ({
        kind: 'Job',
        namespace: 'kube-system',
        name: `helm-install-${chart}`,
        labels: { 'helmcharts.helm.cattle.io/chart': chart },
        pinned: true,
        ageMs: age - 10_000 * i,
        cost: 1,
        owner: helmChart(cluster, chart, Date.now() - age),
        podSpec: {
          restartPolicy: 'OnFailure',
          serviceAccountName: `helm-${chart}`,
          containers: [
            container('helm', 'rancher/klipper-helm:v0.9.3-build20241008', {
              args: ['install', '--set-string', 'global.systemDefaultRegistry='],
              env: [
                { name: 'NAME', value: chart },
                { name: 'VERSION', value: '' },
                { name: 'TARGET_NAMESPACE', value: 'kube-system' },
              ],
            }),
          ],
        },
      }),
    ),
    {
      kind: 'Deployment',
      namespace: AGENT_NAMESPACE,
      name: AGENT_NAME,
      labels: { 'app.kubernetes.io/name': AGENT_NAME },
      pinned: true,
      ageMs: Math.min(age, 3 * DAY),
      cost: 1,
      podSpec: {
        serviceAccountName: AGENT_NAME,
        securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          container(AGENT_NAME, AGENT_IMAGE, {
            cpu: '20m',
            memory: '48Mi',
            memoryLimit: '128Mi',
            cpuLimit: '500m',
            env: [
              { name: 'NIRO_URL', value: 'https://app.niro.cx' },
              { name: 'NODE_EXTRA_CA_CERTS', value: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' },
            ],
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          }),
        ],
      },
    },
  ];
  if (metrics) {
    seeds.splice(2, 0, {
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 'metrics-server',
      labels: { 'k8s-app': 'metrics-server' },
      pinned: true,
      ageMs: age,
      cost: 1,
      podSpec: {
        priorityClassName: 'system-node-critical',
        serviceAccountName: 'metrics-server',
        tolerations: CRITICAL_TOLERATIONS,
        containers: [
          container('metrics-server', 'rancher/mirrored-metrics-server:v0.7.2', {
            cpu: '100m',
            memory: '70Mi',
            args: [
              '--cert-dir=/tmp',
              '--secure-port=10250',
              '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
              '--kubelet-use-node-status-port',
              '--metric-resolution=15s',
            ],
            ports: [{ containerPort: 10250, name: 'https' }],
            probes: true,
          }),
        ],
      },
    });
  }
  return seeds;
}

/** The metrics-server Deployment alone, for switching metrics on after start. */
export function metricsServerSeed(cluster: Cluster): Seed {
  return systemSeeds(cluster, true, 0).find((s) => s.name === 'metrics-server')!;
}
