// Believable container output, one profile per kind of program: access logs, JSON services, JVM stack traces,
// Python tracebacks, klog, coloured Node output, and the occasional very long line. Deterministic per container seed.
import { randomHex, type Random } from './random.ts';

export type LineGenerator = {
  /** Lines printed when the container starts. */
  startup(time: number): string[];
  /** One log record: usually one line, sometimes several (a stack trace). */
  next(time: number): string[];
  /** Last words of a container that dies: exit with error or killed for memory. */
  crash(time: number, kind: 'error' | 'oom'): string[];
  /** Output of a run-to-completion container (init container, Job). */
  complete(time: number): string[];
  /** Relative chattiness: multiplies the configured lines per second. */
  rate: number;
};

/** `name`: the container's name, which services log as their own. */
type Profile = (random: Random, name: string) => LineGenerator;

const PATHS = ['/', '/api/v1/products', '/api/v1/products/{id}', '/api/v1/cart', '/api/v1/orders', '/api/v1/orders/{id}', '/healthz', '/readyz', '/metrics', '/static/app.js', '/static/app.css', '/login', '/api/v1/search?q=shoes'];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36', 'kube-probe/1.31+', 'curl/8.5.0', 'Go-http-client/1.1', 'Prometheus/2.54.1'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function isoMs(time: number): string {
  return new Date(time).toISOString();
}

function clfTime(time: number): string {
  const d = new Date(time);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function klogTime(time: number): string {
  const d = new Date(time);
  return `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}${pad(Math.floor((time % 1) * 1000), 3)}`;
}

function spaced(time: number): string {
  return isoMs(time).replace('T', ' ').replace('Z', '');
}

function path(random: Random): string {
  return random.pick(PATHS).replace('{id}', String(random.int(1000, 99999)));
}

function status(random: Random): number {
  const r = random.next();
  if (r < 0.86) return 200;
  if (r < 0.9) return 201;
  if (r < 0.93) return 304;
  if (r < 0.96) return 404;
  if (r < 0.985) return 499;
  return random.pick([500, 502, 503]);
}

function ip(random: Random): string {
  return `10.42.${random.int(0, 3)}.${random.int(2, 250)}`;
}

// A long JSON payload: some services dump whole request bodies, and viewers must cope with 10 KB lines.
function longPayload(random: Random): string {
  const items = Array.from({ length: random.int(60, 200) }, (_, i) => ({ sku: `SKU-${random.int(10000, 99999)}`, qty: random.int(1, 9), line: i, note: randomHex(random, 24) }));
  return JSON.stringify({ cart: randomHex(random, 16), items });
}

const nginx: Profile = (random) => ({
  rate: 2,
  startup: (t) => [
    '/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration',
    '/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/',
    '/docker-entrypoint.sh: Configuration complete; ready for start up',
    `${spaced(t).slice(0, 19).replace(/-/g, '/')} [notice] 1#1: using the "epoll" event method`,
    `${spaced(t).slice(0, 19).replace(/-/g, '/')} [notice] 1#1: nginx/1.27.3`,
    `${spaced(t).slice(0, 19).replace(/-/g, '/')} [notice] 1#1: start worker processes`,
  ],
  next: (t) => {
    if (random.chance(0.03)) {
      return [`${spaced(t).slice(0, 19).replace(/-/g, '/')} [error] 29#29: *${random.int(100, 99999)} upstream timed out (110: Connection timed out) while reading response header from upstream, client: ${ip(random)}, server: _, request: "GET ${path(random)} HTTP/1.1", upstream: "http://10.43.${random.int(0, 255)}.${random.int(1, 254)}:8080/", host: "shop.example.com"`];
    }
    return [`${ip(random)} - - [${clfTime(t)}] "${random.pick(METHODS)} ${path(random)} HTTP/1.1" ${status(random)} ${random.int(0, 48000)} "-" "${random.pick(AGENTS)}" "-"`];
  },
  crash: (t, kind) => (kind === 'oom' ? [] : [`${spaced(t).slice(0, 19).replace(/-/g, '/')} [emerg] 1#1: host not found in upstream "api:8080" in /etc/nginx/conf.d/default.conf:14`, 'nginx: [emerg] host not found in upstream "api:8080" in /etc/nginx/conf.d/default.conf:14']),
  complete: () => [],
});

const goJson: Profile = (random, name) => {
  const service = name;
  const line = (t: number, level: string, msg: string, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ level, ts: isoMs(t), caller: `${random.pick(['http', 'store', 'queue', 'grpc'])}/${random.pick(['server', 'handler', 'client', 'pool'])}.go:${random.int(20, 400)}`, msg, service, ...extra });
  return {
    rate: 1,
    startup: (t) => [
      line(t, 'info', 'starting service', { version: `v1.${random.int(0, 30)}.${random.int(0, 9)}`, go: 'go1.23.4' }),
      line(t, 'info', 'connected to database', { host: 'postgres.data.svc.cluster.local:5432', pool: 20 }),
      line(t, 'info', 'listening', { addr: ':8080' }),
    ],
    next: (t) => {
      const r = random.next();
      if (r < 0.004) return [line(t, 'debug', 'request body', { payload: longPayload(random) })];
      if (r < 0.05) return [line(t, 'warn', 'slow query', { duration_ms: random.int(500, 4000), query: 'SELECT * FROM orders WHERE customer_id = $1' })];
      if (r < 0.07) return [line(t, 'error', 'upstream request failed', { error: random.pick(['context deadline exceeded', 'connection reset by peer', 'EOF', 'dial tcp 10.43.12.7:5432: connect: connection refused']), attempt: random.int(1, 3) })];
      const code = status(random);
      return [line(t, 'info', 'request completed', { method: random.pick(METHODS), path: path(random), status: code, duration_ms: Math.round(random.next() * 250 * 100) / 100, request_id: randomHex(random, 16) })];
    },
    crash: (t, kind) =>
      kind === 'oom'
        ? [line(t, 'warn', 'memory usage high', { heap_mb: random.int(400, 900) })]
        : [
            line(t, 'error', 'failed to load configuration', { error: 'open /etc/app/config.yaml: no such file or directory' }),
            'panic: runtime error: invalid memory address or nil pointer dereference',
            `[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x${randomHex(random, 6)}]`,
            '',
            'goroutine 1 [running]:',
            `main.loadConfig(...)`,
            `\t/src/cmd/${service}/main.go:${random.int(40, 90)} +0x${randomHex(random, 2)}`,
            'main.main()',
            `\t/src/cmd/${service}/main.go:${random.int(20, 39)} +0x${randomHex(random, 3)}`,
          ],
    complete: (t) => [line(t, 'info', 'job finished', { processed: random.int(10, 5000), duration_s: random.int(1, 300) })],
  };
};

const java: Profile = (random) => {
  const thread = (): string => `[${random.pick(['nio-8080-exec-' + random.int(1, 10), 'main', 'scheduling-1', 'kafka-consumer-1'])}]`.padStart(18);
  const logger = (): string => random.pick(['c.e.shop.web.OrderController', 'c.e.shop.service.PaymentService', 'o.h.engine.jdbc.spi.SqlExceptionHelper', 'c.e.shop.kafka.EventListener']).padEnd(40);
  const line = (t: number, level: string, msg: string): string => `${spaced(t)}  ${level.padStart(5)} 1 --- [shop] ${thread()} ${logger()} : ${msg}`;
  const trace = (): string[] => [
    'java.lang.IllegalStateException: Order 48213 has no payment method',
    '\tat com.example.shop.service.PaymentService.charge(PaymentService.java:87)',
    '\tat com.example.shop.service.OrderService.place(OrderService.java:142)',
    '\tat com.example.shop.web.OrderController.create(OrderController.java:55)',
    '\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)',
    '\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)',
    '\t... 48 common frames omitted',
  ];
  return {
    rate: 0.8,
    startup: (t) => [
      '',
      '  .   ____          _            __ _ _',
      " /\\\\ / ___'_ __ _ _(_)_ __  __ _ \\ \\ \\ \\",
      "( ( )\\___ | '_ | '_| | '_ \\/ _` | \\ \\ \\ \\",
      ' :: Spring Boot ::                (v3.3.5)',
      line(t, 'INFO', 'Starting ShopApplication v2.4.1 using Java 21.0.5 with PID 1'),
      line(t, 'INFO', 'Tomcat initialized with port 8080 (http)'),
      line(t, 'INFO', `Started ShopApplication in ${(random.next() * 20 + 5).toFixed(3)} seconds (process running for ${(random.next() * 20 + 6).toFixed(3)})`),
    ],
    next: (t) => {
      const r = random.next();
      if (r < 0.03) return [line(t, 'ERROR', 'Servlet.service() for servlet [dispatcherServlet] threw exception'), ...trace()];
      if (r < 0.08) return [line(t, 'WARN', `SQL Error: 0, SQLState: 57014 - canceling statement due to statement timeout`)];
      return [line(t, 'INFO', `Processed order ${random.int(10000, 99999)} for customer ${random.int(100, 9999)} in ${random.int(3, 400)} ms`)];
    },
    crash: (t, kind) =>
      kind === 'oom'
        ? ['Terminating due to java.lang.OutOfMemoryError: Java heap space']
        : [line(t, 'ERROR', 'Application run failed'), 'org.springframework.beans.factory.BeanCreationException: Error creating bean with name \'dataSource\'', '\tat org.springframework.beans.factory.support.AbstractAutowireCapableBeanFactory.initializeBean(AbstractAutowireCapableBeanFactory.java:1806)', 'Caused by: java.net.ConnectException: Connection refused', '\t... 32 more'],
    complete: () => [],
  };
};

const python: Profile = (random) => {
  const stamp = (t: number): string => spaced(t).replace('.', ',');
  return {
    rate: 0.7,
    startup: (t) => [
      ` -------------- celery@worker-${randomHex(random, 5)} v5.4.0 (opalescent)`,
      `[${stamp(t)}: INFO/MainProcess] Connected to redis://redis.data.svc.cluster.local:6379/0`,
      `[${stamp(t)}: INFO/MainProcess] celery@worker ready.`,
    ],
    next: (t) => {
      const task = random.pick(['tasks.send_email', 'tasks.resize_image', 'tasks.sync_inventory', 'tasks.generate_invoice']);
      const id = `${randomHex(random, 8)}-${randomHex(random, 4)}-${randomHex(random, 4)}-${randomHex(random, 4)}-${randomHex(random, 12)}`;
      if (random.chance(0.03)) {
        return [
          `[${stamp(t)}: ERROR/ForkPoolWorker-${random.int(1, 4)}] Task ${task}[${id}] raised unexpected: ConnectionError('SMTP server unavailable')`,
          'Traceback (most recent call last):',
          '  File "/usr/local/lib/python3.12/site-packages/celery/app/trace.py", line 453, in trace_task',
          '    R = retval = fun(*args, **kwargs)',
          '  File "/app/tasks.py", line 41, in send_email',
          '    smtp.send_message(msg)',
          "ConnectionError: SMTP server unavailable",
        ];
      }
      return [`[${stamp(t)}: INFO/ForkPoolWorker-${random.int(1, 4)}] Task ${task}[${id}] succeeded in ${(random.next() * 3).toFixed(6)}s: None`];
    },
    crash: (t, kind) =>
      kind === 'oom'
        ? [`[${stamp(t)}: WARNING/MainProcess] Worker memory above soft limit`]
        : ['Traceback (most recent call last):', '  File "/app/main.py", line 12, in <module>', '    from settings import DATABASE_URL', '  File "/app/settings.py", line 7, in <module>', "    DATABASE_URL = os.environ['DATABASE_URL']", "KeyError: 'DATABASE_URL'"],
    complete: (t) => [`[${stamp(t)}: INFO/MainProcess] Applied 3 migrations.`, 'Operations to perform: Apply all migrations', '  Applying orders.0042_add_discount_code... OK'],
  };
};

// winston with colorize(): ANSI escapes end up in the container log, and viewers must render or strip them.
const nodeJs: Profile = (random) => {
  const colour = (level: string): string => ({ info: '\u001b[32minfo\u001b[39m', warn: '\u001b[33mwarn\u001b[39m', error: '\u001b[31merror\u001b[39m' })[level] ?? level;
  return {
    rate: 1,
    startup: (t) => [`${isoMs(t)} ${colour('info')}: Server listening on http://0.0.0.0:3000`, `${isoMs(t)} ${colour('info')}: Connected to Redis`],
    next: (t) => {
      const r = random.next();
      if (r < 0.03) return [`${isoMs(t)} ${colour('error')}: Unhandled rejection: Error: connect ECONNREFUSED 10.43.${random.int(0, 255)}.${random.int(1, 254)}:6379`, '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)'];
      if (r < 0.08) return [`${isoMs(t)} ${colour('warn')}: Slow response \u001b[1m${path(random)}\u001b[22m took ${random.int(800, 3000)} ms`];
      return [`${isoMs(t)} ${colour('info')}: ${random.pick(METHODS)} ${path(random)} \u001b[32m${status(random)}\u001b[39m ${(random.next() * 80).toFixed(3)} ms - ${random.int(100, 9000)}`];
    },
    crash: () => ['node:internal/process/promises:391', '    triggerUncaughtException(err, true /* fromPromise */);', '    ^', '', 'Error: Cannot find module \'/app/dist/server.js\'', '    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)', '', 'Node.js v22.12.0'],
    complete: () => [],
  };
};

const postgres: Profile = (random) => {
  const line = (t: number, level: string, msg: string): string => `${spaced(t)} UTC [${random.int(60, 9000)}] ${level}:  ${msg}`;
  return {
    rate: 0.3,
    startup: (t) => ['PostgreSQL Database directory appears to contain a database; Skipping initialization', '', line(t, 'LOG', 'starting PostgreSQL 16.6 on x86_64-pc-linux-gnu'), line(t, 'LOG', 'listening on IPv4 address "0.0.0.0", port 5432'), line(t, 'LOG', 'database system is ready to accept connections')],
    next: (t) => {
      const r = random.next();
      if (r < 0.3) return [line(t, 'LOG', 'checkpoint starting: time')];
      if (r < 0.55) return [line(t, 'LOG', `checkpoint complete: wrote ${random.int(1, 900)} buffers (${(random.next() * 5).toFixed(1)}%); 0 WAL file(s) added, 0 removed, 1 recycled`)];
      if (r < 0.65) return [line(t, 'ERROR', 'duplicate key value violates unique constraint "orders_pkey"'), line(t, 'DETAIL', `Key (id)=(${random.int(1000, 99999)}) already exists.`)];
      return [line(t, 'LOG', `duration: ${(random.next() * 3000).toFixed(3)} ms  statement: SELECT count(*) FROM order_items WHERE order_id = ${random.int(1, 99999)}`)];
    },
    crash: (t) => [line(t, 'FATAL', 'could not write lock file "postmaster.pid": No space left on device')],
    complete: () => [],
  };
};

const redis: Profile = (random) => {
  const stamp = (t: number): string => {
    const d = new Date(t);
    return `1:M ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
  };
  return {
    rate: 0.2,
    startup: (t) => [`${stamp(t)} # Redis version=7.4.1, bits=64, commit=00000000, modified=0, pid=1, just started`, `${stamp(t)} * Ready to accept connections tcp`],
    next: (t) => (random.chance(0.5) ? [`${stamp(t)} * 100 changes in 300 seconds. Saving...`] : [`${stamp(t)} * Background saving terminated with success`]),
    crash: (t) => [`${stamp(t)} # Can't handle RDB format version 12`],
    complete: () => [],
  };
};

const coredns: Profile = (random) => ({
  rate: 0.4,
  startup: () => ['.:53', '[INFO] plugin/reload: Running configuration SHA512 = 1b226df79860026c6a52e67daa10d7f0d57ec5b023288ec00c5e05f93523c894564e15b91770d3a07ae1cfbe861d15b37d4a0027e69c546ab112970993a3b03b', 'CoreDNS-1.11.3', 'linux/amd64, go1.22.9, a6338e9'],
  next: () => {
    const name = random.pick(['api.shop.svc.cluster.local.', 'postgres.data.svc.cluster.local.', 'redis.data.svc.cluster.local.', 'registry-1.docker.io.', 'kubernetes.default.svc.cluster.local.']);
    const code = random.chance(0.1) ? 'NXDOMAIN' : 'NOERROR';
    return [`[INFO] ${ip(random)}:${random.int(30000, 60000)} - ${random.int(1, 65535)} "${random.pick(['A', 'AAAA'])} IN ${name} udp ${random.int(40, 90)} false 512" ${code} qr,aa,rd ${random.int(80, 200)} ${(random.next() * 0.002).toFixed(6)}s`];
  },
  crash: () => ['[FATAL] plugin/loop: Loop (127.0.0.1:59334 -> :53) detected for zone "."'],
  complete: () => [],
});

const traefik: Profile = (random) => {
  const stamp = (t: number): string => isoMs(t).slice(0, 19) + 'Z';
  return {
    rate: 0.3,
    startup: (t) => [`${stamp(t)} INF Traefik version 3.3.2 built on 2025-01-14T15:52:27Z version=3.3.2`, `${stamp(t)} INF Starting provider *crd.Provider`, `${stamp(t)} INF Starting provider *ingress.Provider`],
    next: (t) =>
      random.chance(0.3)
        ? [`${stamp(t)} ERR Skipping service: no endpoints found ingress=${random.pick(['shop', 'grafana', 'api'])} namespace=${random.pick(['shop', 'monitoring'])} providerName=kubernetes serviceName=${random.pick(['web', 'grafana', 'api'])} servicePort=&ServiceBackendPort{Name:,Number:80,}`]
        : [`${stamp(t)} WRN Error while Peeking first byte error="read tcp 10.42.0.9:8000->${ip(random)}:${random.int(30000, 60000)}: read: connection reset by peer"`],
    crash: () => [],
    complete: () => [],
  };
};

const klog: Profile = (random) => ({
  rate: 0.2,
  startup: (t) => [`I${klogTime(t)}       1 serving.go:374] Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)`, `I${klogTime(t)}       1 secure_serving.go:213] Serving securely on [::]:10250`],
  next: (t) =>
    random.chance(0.7)
      ? [`I${klogTime(t)}       1 server.go:191] "Scraped metrics" nodes=${random.int(1, 5)} duration="${random.int(20, 200)}ms"`]
      : [`E${klogTime(t)}       1 scraper.go:149] "Failed to scrape node" err="Get \\"https://192.168.56.${random.int(10, 20)}:10250/metrics/resource\\": context deadline exceeded" node="${random.pick(['agent-1', 'agent-2'])}"`],
  crash: (t) => [`F${klogTime(t)}       1 server.go:148] unable to load configmap based request-header-client-ca-file`],
  complete: () => [],
});

const logfmt: Profile = (random) => ({
  rate: 0.1,
  startup: (t) => [`time="${isoMs(t).slice(0, 19)}Z" level=info msg="Starting local-path-provisioner"`],
  next: (t) => [`time="${isoMs(t).slice(0, 19)}Z" level=info msg="${random.pick(['Provisioning volume', 'Volume has been created', 'Deleting volume'])} pvc-${randomHex(random, 8)}-${randomHex(random, 4)}"`],
  crash: () => [],
  complete: () => [],
});

const helm: Profile = () => ({
  rate: 0,
  startup: () => ['if [[ ${KUBERNETES_SERVICE_HOST} =~ .*:.* ]]; then', '+ helm_v3 install --set-string global.systemDefaultRegistry= traefik https://10.43.0.1:443/static/charts/traefik-27.0.201+up27.0.2.tgz --values /config/values-01_HelmChart.yaml'],
  next: () => [],
  crash: () => ['Error: INSTALLATION FAILED: Kubernetes cluster unreachable'],
  complete: () => ['NAME: traefik', 'LAST DEPLOYED: ' + new Date().toUTCString(), 'NAMESPACE: kube-system', 'STATUS: deployed', 'REVISION: 1', 'TEST SUITE: None'],
});

const klipperLb: Profile = () => ({
  rate: 0,
  startup: () => ['+ trap exit TERM INT', '+ BIN_DIR=/usr/sbin', '+ info \'nft mode detected\'', '[INFO]  nft mode detected', '+ iptables -t filter -I FORWARD -s 0.0.0.0/0 -p TCP --dport 80 -j ACCEPT', '+ /bin/sh -c \'sleep infinity\''],
  next: () => [],
  crash: () => [],
  complete: () => [],
});

const fluentBit: Profile = (random) => {
  const stamp = (t: number): string => isoMs(t).slice(0, 19).replace('T', ' ').replace(/-/g, '/');
  return {
    rate: 0.2,
    startup: (t) => ['Fluent Bit v3.2.2', `[${stamp(t)}] [ info] [fluent bit] version=3.2.2, commit=a59c8d5c66, pid=1`, `[${stamp(t)}] [ info] [output:forward:forward.0] worker #0 started`],
    next: (t) => [`[${stamp(t)}] [ info] [input:tail:tail.0] inotify_fs_add(): inode=${random.int(100000, 999999)} watch_fd=${random.int(1, 40)} name=/var/log/containers/app-${randomHex(random, 5)}.log`],
    crash: () => [],
    complete: () => [],
  };
};

const niroAgent: Profile = (random) => ({
  rate: 0.1,
  startup: (t) => [JSON.stringify({ level: 'info', time: isoMs(t), msg: 'niro agent starting', version: '0.1.0' })],
  next: (t) => [JSON.stringify({ level: 'info', time: isoMs(t), msg: 'heartbeat sent', pods: random.int(20, 80), ms: random.int(8, 60) })],
  crash: () => [],
  complete: () => [],
});

const PROFILES: Record<string, Profile> = { nginx, goJson, java, python, nodeJs, postgres, redis, coredns, traefik, klog, logfmt, helm, klipperLb, fluentBit, niroAgent };

export function createGenerator(profile: string, random: Random, name: string): LineGenerator {
  return (PROFILES[profile] ?? goJson)(random, name);
}

/** Guess what a container runs from its image, so applied workloads get believable output too. */
export function profileForImage(image: string): string {
  const rules: [RegExp, string][] = [
    [/nginx|httpd|caddy/, 'nginx'],
    [/postgres|mysql|mariadb/, 'postgres'],
    [/redis|valkey|memcached/, 'redis'],
    [/coredns/, 'coredns'],
    [/traefik/, 'traefik'],
    [/metrics-server|kube-state|prometheus|node-exporter/, 'klog'],
    [/local-path|provisioner/, 'logfmt'],
    [/klipper-helm|helm/, 'helm'],
    [/klipper-lb/, 'klipperLb'],
    [/fluent|vector|promtail/, 'fluentBit'],
    [/niro/, 'niroAgent'],
    [/java|spring|jdk|jre|kotlin/, 'java'],
    [/python|celery|django|flask/, 'python'],
    [/node|next|express/, 'nodeJs'],
  ];
  for (const [pattern, profile] of rules) if (pattern.test(image)) return profile;
  return 'goJson';
}
