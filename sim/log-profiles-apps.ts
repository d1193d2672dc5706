// Log profiles of application runtimes, what user workloads print: nginx access logs, JSON-logging Go services,
// Spring Boot with JVM stack traces, Celery workers with Python tracebacks, and colourised Node output.
import { AGENTS, clfTime, ip, isoMs, longPayload, METHODS, path, type Profile, spaced, status } from './log-lines.ts';
import { randomHex } from './random.ts';

export const nginx: Profile = (random) => ({
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
      return [
        `${spaced(t).slice(0, 19).replace(/-/g, '/')} [error] 29#29: *${random.int(100, 99999)} upstream timed out (110: Connection timed out) while reading response header from upstream, client: ${ip(random)}, server: _, request: "GET ${path(random)} HTTP/1.1", upstream: "http://10.43.${random.int(0, 255)}.${random.int(1, 254)}:8080/", host: "shop.example.com"`,
      ];
    }
    return [
      `${ip(random)} - - [${clfTime(t)}] "${random.pick(METHODS)} ${path(random)} HTTP/1.1" ${status(random)} ${random.int(0, 48000)} "-" "${random.pick(AGENTS)}" "-"`,
    ];
  },
  crash: (t, kind) =>
    kind === 'oom'
      ? []
      : [
          `${spaced(t).slice(0, 19).replace(/-/g, '/')} [emerg] 1#1: host not found in upstream "api:8080" in /etc/nginx/conf.d/default.conf:14`,
          'nginx: [emerg] host not found in upstream "api:8080" in /etc/nginx/conf.d/default.conf:14',
        ],
  complete: () => [],
});

export const goJson: Profile = (random, name) => {
  const service = name;
  const line = (t: number, level: string, msg: string, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({
      level,
      ts: isoMs(t),
      caller: `${random.pick(['http', 'store', 'queue', 'grpc'])}/${random.pick(['server', 'handler', 'client', 'pool'])}.go:${random.int(20, 400)}`,
      msg,
      service,
      ...extra,
    });
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
      if (r < 0.07)
        return [
          line(t, 'error', 'upstream request failed', {
            error: random.pick(['context deadline exceeded', 'connection reset by peer', 'EOF', 'dial tcp 10.43.12.7:5432: connect: connection refused']),
            attempt: random.int(1, 3),
          }),
        ];
      const code = status(random);
      return [
        line(t, 'info', 'request completed', {
          method: random.pick(METHODS),
          path: path(random),
          status: code,
          duration_ms: Math.round(random.next() * 250 * 100) / 100,
          request_id: randomHex(random, 16),
        }),
      ];
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

export const java: Profile = (random) => {
  const thread = (): string => `[${random.pick(['nio-8080-exec-' + random.int(1, 10), 'main', 'scheduling-1', 'kafka-consumer-1'])}]`.padStart(18);
  const logger = (): string =>
    random
      .pick(['c.e.shop.web.OrderController', 'c.e.shop.service.PaymentService', 'o.h.engine.jdbc.spi.SqlExceptionHelper', 'c.e.shop.kafka.EventListener'])
      .padEnd(40);
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
        : [
            line(t, 'ERROR', 'Application run failed'),
            "org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'dataSource'",
            '\tat org.springframework.beans.factory.support.AbstractAutowireCapableBeanFactory.initializeBean(AbstractAutowireCapableBeanFactory.java:1806)',
            'Caused by: java.net.ConnectException: Connection refused',
            '\t... 32 more',
          ],
    complete: () => [],
  };
};

export const python: Profile = (random) => {
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
          'ConnectionError: SMTP server unavailable',
        ];
      }
      return [`[${stamp(t)}: INFO/ForkPoolWorker-${random.int(1, 4)}] Task ${task}[${id}] succeeded in ${(random.next() * 3).toFixed(6)}s: None`];
    },
    crash: (t, kind) =>
      kind === 'oom'
        ? [`[${stamp(t)}: WARNING/MainProcess] Worker memory above soft limit`]
        : [
            'Traceback (most recent call last):',
            '  File "/app/main.py", line 12, in <module>',
            '    from settings import DATABASE_URL',
            '  File "/app/settings.py", line 7, in <module>',
            "    DATABASE_URL = os.environ['DATABASE_URL']",
            "KeyError: 'DATABASE_URL'",
          ],
    complete: (t) => [
      `[${stamp(t)}: INFO/MainProcess] Applied 3 migrations.`,
      'Operations to perform: Apply all migrations',
      '  Applying orders.0042_add_discount_code... OK',
    ],
  };
};

// winston with colorize(): ANSI escapes end up in the container log, and viewers must render or strip them.
export const nodeJs: Profile = (random) => {
  const colour = (level: string): string =>
    ({ info: '\u001b[32minfo\u001b[39m', warn: '\u001b[33mwarn\u001b[39m', error: '\u001b[31merror\u001b[39m' })[level] ?? level;
  return {
    rate: 1,
    startup: (t) => [`${isoMs(t)} ${colour('info')}: Server listening on http://0.0.0.0:3000`, `${isoMs(t)} ${colour('info')}: Connected to Redis`],
    next: (t) => {
      const r = random.next();
      if (r < 0.03)
        return [
          `${isoMs(t)} ${colour('error')}: Unhandled rejection: Error: connect ECONNREFUSED 10.43.${random.int(0, 255)}.${random.int(1, 254)}:6379`,
          '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)',
        ];
      if (r < 0.08) return [`${isoMs(t)} ${colour('warn')}: Slow response \u001b[1m${path(random)}\u001b[22m took ${random.int(800, 3000)} ms`];
      return [
        `${isoMs(t)} ${colour('info')}: ${random.pick(METHODS)} ${path(random)} \u001b[32m${status(random)}\u001b[39m ${(random.next() * 80).toFixed(3)} ms - ${random.int(100, 9000)}`,
      ];
    },
    crash: () => [
      'node:internal/process/promises:391',
      '    triggerUncaughtException(err, true /* fromPromise */);',
      '    ^',
      '',
      "Error: Cannot find module '/app/dist/server.js'",
      '    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)',
      '',
      'Node.js v22.12.0',
    ],
    complete: () => [],
  };
};
