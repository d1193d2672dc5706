// Log profiles of the programs around the apps: data stores (postgres, redis), k3s's own components (coredns,
// traefik, metrics-server's klog, local-path-provisioner's logfmt, helm installs, klipper-lb), log-shipping
// sidecars (fluent-bit) and the Niro agent.
import { ip, isoMs, klogTime, MONTHS, pad, type Profile, spaced } from './log-lines.ts';
import { randomHex } from './random.ts';

export const postgres: Profile = (random) => {
  const line = (t: number, level: string, msg: string): string => `${spaced(t)} UTC [${random.int(60, 9000)}] ${level}:  ${msg}`;
  return {
    rate: 0.3,
    startup: (t) => [
      'PostgreSQL Database directory appears to contain a database; Skipping initialization',
      '',
      line(t, 'LOG', 'starting PostgreSQL 16.6 on x86_64-pc-linux-gnu'),
      line(t, 'LOG', 'listening on IPv4 address "0.0.0.0", port 5432'),
      line(t, 'LOG', 'database system is ready to accept connections'),
    ],
    next: (t) => {
      const r = random.next();
      if (r < 0.3) return [line(t, 'LOG', 'checkpoint starting: time')];
      if (r < 0.55)
        return [
          line(
            t,
            'LOG',
            `checkpoint complete: wrote ${random.int(1, 900)} buffers (${(random.next() * 5).toFixed(1)}%); 0 WAL file(s) added, 0 removed, 1 recycled`,
          ),
        ];
      if (r < 0.65)
        return [
          line(t, 'ERROR', 'duplicate key value violates unique constraint "orders_pkey"'),
          line(t, 'DETAIL', `Key (id)=(${random.int(1000, 99999)}) already exists.`),
        ];
      return [
        line(
          t,
          'LOG',
          `duration: ${(random.next() * 3000).toFixed(3)} ms  statement: SELECT count(*) FROM order_items WHERE order_id = ${random.int(1, 99999)}`,
        ),
      ];
    },
    crash: (t) => [line(t, 'FATAL', 'could not write lock file "postmaster.pid": No space left on device')],
    complete: () => [],
  };
};

export const redis: Profile = (random) => {
  const stamp = (t: number): string => {
    const d = new Date(t);
    return `1:M ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
  };
  return {
    rate: 0.2,
    startup: (t) => [
      `${stamp(t)} # Redis version=7.4.1, bits=64, commit=00000000, modified=0, pid=1, just started`,
      `${stamp(t)} * Ready to accept connections tcp`,
    ],
    next: (t) => (random.chance(0.5) ? [`${stamp(t)} * 100 changes in 300 seconds. Saving...`] : [`${stamp(t)} * Background saving terminated with success`]),
    crash: (t) => [`${stamp(t)} # Can't handle RDB format version 12`],
    complete: () => [],
  };
};

export const coredns: Profile = (random) => ({
  rate: 0.4,
  startup: () => [
    '.:53',
    '[INFO] plugin/reload: Running configuration SHA512 = 1b226df79860026c6a52e67daa10d7f0d57ec5b023288ec00c5e05f93523c894564e15b91770d3a07ae1cfbe861d15b37d4a0027e69c546ab112970993a3b03b',
    'CoreDNS-1.11.3',
    'linux/amd64, go1.22.9, a6338e9',
  ],
  next: () => {
    const name = random.pick([
      'api.shop.svc.cluster.local.',
      'postgres.data.svc.cluster.local.',
      'redis.data.svc.cluster.local.',
      'registry-1.docker.io.',
      'kubernetes.default.svc.cluster.local.',
    ]);
    const code = random.chance(0.1) ? 'NXDOMAIN' : 'NOERROR';
    return [
      `[INFO] ${ip(random)}:${random.int(30000, 60000)} - ${random.int(1, 65535)} "${random.pick(['A', 'AAAA'])} IN ${name} udp ${random.int(40, 90)} false 512" ${code} qr,aa,rd ${random.int(80, 200)} ${(random.next() * 0.002).toFixed(6)}s`,
    ];
  },
  crash: () => ['[FATAL] plugin/loop: Loop (127.0.0.1:59334 -> :53) detected for zone "."'],
  complete: () => [],
});

export const traefik: Profile = (random) => {
  const stamp = (t: number): string => isoMs(t).slice(0, 19) + 'Z';
  return {
    rate: 0.3,
    startup: (t) => [
      `${stamp(t)} INF Traefik version 3.3.2 built on 2025-01-14T15:52:27Z version=3.3.2`,
      `${stamp(t)} INF Starting provider *crd.Provider`,
      `${stamp(t)} INF Starting provider *ingress.Provider`,
    ],
    next: (t) =>
      random.chance(0.3)
        ? [
            `${stamp(t)} ERR Skipping service: no endpoints found ingress=${random.pick(['shop', 'grafana', 'api'])} namespace=${random.pick(['shop', 'monitoring'])} providerName=kubernetes serviceName=${random.pick(['web', 'grafana', 'api'])} servicePort=&ServiceBackendPort{Name:,Number:80,}`,
          ]
        : [
            `${stamp(t)} WRN Error while Peeking first byte error="read tcp 10.42.0.9:8000->${ip(random)}:${random.int(30000, 60000)}: read: connection reset by peer"`,
          ],
    crash: () => [],
    complete: () => [],
  };
};

// metrics-server: mostly I lines, a W when a watch ends early, an E when a node's kubelet does not answer.
export const klog: Profile = (random) => ({
  rate: 0.2,
  startup: (t) => [
    `I${klogTime(t)}       1 serving.go:374] Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)`,
    `I${klogTime(t)}       1 secure_serving.go:213] Serving securely on [::]:10250`,
  ],
  next: (t) => {
    const r = random.next();
    if (r < 0.7) return [`I${klogTime(t)}       1 server.go:191] "Scraped metrics" nodes=${random.int(1, 5)} duration="${random.int(20, 200)}ms"`];
    if (r < 0.85)
      return [
        `W${klogTime(t)}       1 reflector.go:561] k8s.io/client-go/informers/factory.go:160: watch of *v1.Node ended with: an error on the server ("unable to decode an event from the watch stream: context canceled") has prevented the request from succeeding`,
      ];
    return [
      `E${klogTime(t)}       1 scraper.go:149] "Failed to scrape node" err="Get \\"https://192.168.56.${random.int(10, 20)}:10250/metrics/resource\\": context deadline exceeded" node="${random.pick(['agent-1', 'agent-2'])}"`,
    ];
  },
  crash: (t) => [`F${klogTime(t)}       1 server.go:148] unable to load configmap based request-header-client-ca-file`],
  complete: () => [],
});

// local-path-provisioner (logrus, logfmt): volumes come and go at info, a slow helper pod warns, a failed one errors.
export const logfmt: Profile = (random) => {
  const stamp = (t: number): string => `${isoMs(t).slice(0, 19)}Z`;
  const pvc = (): string => `pvc-${randomHex(random, 8)}-${randomHex(random, 4)}`;
  return {
    rate: 0.1,
    startup: (t) => [
      `time="${stamp(t)}" level=info msg="Starting local-path-provisioner"`,
      `time="${stamp(t)}" level=debug msg="Config loaded" nodePathMap=DEFAULT_PATH_FOR_NON_LISTED_NODES paths=/var/lib/rancher/k3s/storage`,
    ],
    next: (t) => {
      const r = random.next();
      if (r < 0.08)
        return [
          `time="${stamp(t)}" level=warning msg="Helper pod helper-pod-create-${pvc()} is taking longer than expected" namespace=kube-system elapsed=${random.int(30, 120)}s`,
        ];
      if (r < 0.12) return [`time="${stamp(t)}" level=error msg="failed to provision volume" pvc=${pvc()} error="create process timeout after 120 seconds"`];
      return [`time="${stamp(t)}" level=info msg="${random.pick(['Provisioning volume', 'Volume has been created', 'Deleting volume'])} ${pvc()}"`];
    },
    crash: () => [],
    complete: () => [],
  };
};

export const helm: Profile = () => ({
  rate: 0,
  startup: () => [
    'if [[ ${KUBERNETES_SERVICE_HOST} =~ .*:.* ]]; then',
    '+ helm_v3 install --set-string global.systemDefaultRegistry= traefik https://10.43.0.1:443/static/charts/traefik-27.0.201+up27.0.2.tgz --values /config/values-01_HelmChart.yaml',
  ],
  next: () => [],
  crash: () => ['Error: INSTALLATION FAILED: Kubernetes cluster unreachable'],
  complete: () => [
    'NAME: traefik',
    'LAST DEPLOYED: ' + new Date().toUTCString(),
    'NAMESPACE: kube-system',
    'STATUS: deployed',
    'REVISION: 1',
    'TEST SUITE: None',
  ],
});

export const klipperLb: Profile = () => ({
  rate: 0,
  startup: () => [
    '+ trap exit TERM INT',
    '+ BIN_DIR=/usr/sbin',
    "+ info 'nft mode detected'",
    '[INFO]  nft mode detected',
    '+ iptables -t filter -I FORWARD -s 0.0.0.0/0 -p TCP --dport 80 -j ACCEPT',
    "+ /bin/sh -c 'sleep infinity'",
  ],
  next: () => [],
  crash: () => [],
  complete: () => [],
});

export const fluentBit: Profile = (random) => {
  const stamp = (t: number): string => isoMs(t).slice(0, 19).replace('T', ' ').replace(/-/g, '/');
  return {
    rate: 0.2,
    startup: (t) => [
      'Fluent Bit v3.2.2',
      `[${stamp(t)}] [ info] [fluent bit] version=3.2.2, commit=a59c8d5c66, pid=1`,
      `[${stamp(t)}] [ info] [output:forward:forward.0] worker #0 started`,
    ],
    next: (t) => [
      `[${stamp(t)}] [ info] [input:tail:tail.0] inotify_fs_add(): inode=${random.int(100000, 999999)} watch_fd=${random.int(1, 40)} name=/var/log/containers/app-${randomHex(random, 5)}.log`,
    ],
    crash: () => [],
    complete: () => [],
  };
};

export const niroAgent: Profile = (random) => ({
  rate: 0.1,
  startup: (t) => [JSON.stringify({ level: 'info', time: isoMs(t), msg: 'niro agent starting', version: '0.1.0' })],
  next: (t) => [JSON.stringify({ level: 'info', time: isoMs(t), msg: 'heartbeat sent', pods: random.int(20, 80), ms: random.int(8, 60) })],
  crash: () => [],
  complete: () => [],
});
