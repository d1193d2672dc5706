// A control plane for the database benchmarks, as production runs it: a scratch Postgres database and
// the real server (`startServer`: the app and every background job — status, command expiry, pod
// index, retention, housekeeping — on their production intervals), a signed-in owner with an API
// token, and clusters enrolled through the API with their agent keys. Requests go through
// `app.handle` (routing, auth, body reading, handlers), not over a socket: the benchmarks measure the
// server, not a local HTTP client in the same process.
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { startServer, type RunningServer } from '../../src/server';
import { DEFAULT_HEARTBEAT_MAX_WAIT_MS, type Config } from '../../src/config';
import type { Db } from '../../src/db/client';
import { createLogger } from '../../src/log';
import { createTestDatabase, type TestDatabase } from '../../src/testing/db';
import { TEST_ORIGIN, apiClient, makeUser, signIn, testConfig, type Browser, type TestApp } from '../../src/testing/app';
import { createEnrolledCluster } from '../../src/testing/heartbeats';
import { createOrg, setMembership } from '../../src/orgs/store';
import type { Plan } from '../../src/orgs/schema';
import { AGENT_KEY_HEADER, AGENT_PATHS } from '../../src/contract';

export type EnrolledCluster = { clusterId: string; agentKey: string };

export type BenchPlane = {
  server: RunningServer;
  /** The server's app as the test helpers take it. */
  t: TestApp;
  config: Config;
  testDb: TestDatabase;
  /** A separate connection for the benchmark's own queries (counters, sizes), outside the app's pool. */
  admin: postgres.Sql;
  /** The same connection as a database handle, for the inventory's measurements (src/inventory/measure.ts). */
  adminDb: Db;
  browser: Browser;
  api: Awaited<ReturnType<typeof apiClient>>;
  orgId: string;
  /** Creates and enrolls `count` clusters through the API, `width` at a time. */
  enroll(count: number, prefix: string): Promise<EnrolledCluster[]>;
  /** Stops the server (its pool's backends exit and flush their statistics); the database stays until `stop`. */
  stopServer(): Promise<void>;
  /** Sends one gzipped heartbeat body as the agent does; resolves with the request's duration in ms. */
  beat(agentKey: string, gzipped: Uint8Array<ArrayBuffer>): Promise<number>;
  stop(): Promise<void>;
};

export async function startBenchPlane(opts: { config?: Partial<Config>; plan?: Plan } = {}): Promise<BenchPlane> {
  const testDb = await createTestDatabase();
  // Job warnings (a failed index pass, say) go to stderr: a benchmark whose jobs fail is not measuring production.
  const log = createLogger('warn', (line) => process.stderr.write(line + '\n'));
  // As production runs: the tests' config turns the heartbeat's longest wait off, a benchmark measures the default.
  const config = testConfig({ port: 0, heartbeatMaxWaitMs: DEFAULT_HEARTBEAT_MAX_WAIT_MS, ...opts.config, databaseUrl: testDb.url });
  const server = await startServer(config, log);
  const admin = postgres(testDb.url, { max: 2, onnotice: () => {} });
  const t: TestApp = {
    app: server.app,
    db: server.database.db,
    bus: server.database.bus,
    config,
    replica: server.replica,
    testDb,
    logs: [],
    request: (path, init) => server.app.handle(new Request(TEST_ORIGIN + path, init)),
    close: async () => {},
  };
  const user = await makeUser(server.database.db, 'bench@example.com');
  const org = await createOrg(server.database.db, { name: 'Bench MSP', parent: null, plan: opts.plan ?? 'enterprise' });
  if (!org.ok) throw new Error('org');
  await setMembership(server.database.db, org.org.id, user.id, 'owner');
  const browser = await signIn(t, user);
  const api = await apiClient(t, browser);
  let serverStopped: Promise<void> | null = null;
  const stopServer = (): Promise<void> => (serverStopped ??= server.stop().catch(() => {}));

  return {
    server,
    t,
    config,
    testDb,
    admin,
    adminDb: drizzle(admin),
    browser,
    api,
    orgId: org.org.id,
    async enroll(count, prefix) {
      const out: EnrolledCluster[] = new Array(count);
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < count) {
            const i = next++;
            const c = await createEnrolledCluster(t, api, { name: `${prefix}-${String(i).padStart(4, '0')}`, environment: 'production', orgId: org.org.id });
            out[i] = { clusterId: c.clusterId, agentKey: c.agentKey };
          }
        }),
      );
      return out;
    },
    async beat(agentKey, gzipped) {
      const t0 = performance.now();
      const res = await server.app.handle(
        new Request(`${TEST_ORIGIN}${AGENT_PATHS.heartbeat}`, {
          method: 'POST',
          headers: { [AGENT_KEY_HEADER]: agentKey, 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: gzipped,
        }),
      );
      if (res.status !== 200) throw new Error(`heartbeat: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      return performance.now() - t0;
    },
    stopServer,
    async stop() {
      await stopServer();
      await admin.end({ timeout: 5 }).catch(() => {});
      await testDb.drop();
    },
  };
}

/** Runs fn(0..n-1), `width` at a time. */
export async function parallel(width: number, n: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** Polls `check` every 250 ms until it is truthy or `timeoutMs` passes (then throws naming `what`). */
export async function waitFor<T>(check: () => Promise<T | null | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(250);
  }
}
