// Control planes as production runs them: separate `bun src/main.ts` processes (one per replica) on one
// scratch Postgres database, reached over real HTTP. A benchmark that needs the control plane's own CPU
// and memory (read from /proc per process), or several replicas, uses this instead of bench/lib/control-plane.ts,
// which runs the server inside the benchmark's process.
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../src/testing/db';
import { apiClient, makeUser, signIn, type Browser, type TestApp } from '../../src/testing/app';
import { AGENT_PATHS, PROTOCOL } from '../../src/contract';
import { createOrg, setMembership } from '../../src/orgs/store';
import { testConfig } from '../../src/testing/app';
import { loadConfig, type Config } from '../../src/config';
import type { Db } from '../../src/db/client';
import type { EnrolledCluster } from './control-plane';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const METRICS_TOKEN = 'bench-metrics-token-0123456789';

export type Replica = { url: string; pid: number; stderr: string[]; proc: ReturnType<typeof Bun.spawn> };

export type SpawnedPlane = {
  testDb: TestDatabase;
  /** The benchmark's own connection (counters, catch-up checks), outside the replicas' pools. */
  admin: postgres.Sql;
  adminDb: Db;
  replicas: Replica[];
  /** Starts another replica on the same database; resolves once it answers /readyz. */
  addReplica(): Promise<Replica>;
  /** A client through replica 0, as the test helpers take it (request = fetch over HTTP). */
  client(replica?: number): TestApp;
  orgId: string;
  browser: Browser;
  api: Awaited<ReturnType<typeof apiClient>>;
  /** Creates and enrolls `count` clusters through the API, `width` requests at a time, spread over the replicas. */
  enroll(count: number, prefix: string, width?: number): Promise<EnrolledCluster[]>;
  /** One replica's Prometheus text. */
  metrics(replica: Replica): Promise<string>;
  stop(): Promise<void>;
};

async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

/** A replica's environment: this process's, with the database, secrets and port of the bench, then `env`. */
function replicaEnv(databaseUrl: string, port: number, env: Record<string, string>): Record<string, string | undefined> {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    NIRO_SECRET: SECRET,
    NIRO_METRICS_TOKEN: METRICS_TOKEN,
    NIRO_LOG_LEVEL: 'warn',
    NIRO_TRUST_PROXY: '1',
    PORT: String(port),
    NIRO_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...env,
  };
}

/** The configuration the replicas run with (as they read it from replicaEnv), to print beside a run's figures. */
export function spawnedReplicaConfig(env: Record<string, string> = {}): Config {
  const loaded = loadConfig(replicaEnv('postgres://bench@127.0.0.1/bench', 1, env));
  if (!loaded.ok) throw new Error(`the replicas' configuration: ${loaded.errors.join('; ')}`);
  return loaded.config;
}

async function startReplica(databaseUrl: string, env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const stderr: string[] = [];
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, '../../src/main.ts')], {
    env: replicaEnv(databaseUrl, port, env),
    stdout: 'ignore',
    stderr: 'pipe',
  });
  void (async () => {
    const decoder = new TextDecoder();
    const reader = (proc.stderr as ReadableStream<Uint8Array>).getReader();
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
      const lines = rest.split('\n');
      rest = lines.pop()!;
      for (const l of lines) if (l.trim()) stderr.push(l);
    }
  })();
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`control plane exited (${proc.exitCode}): ${stderr.slice(-5).join('\n')}`);
    const ok = await fetch(`${url}/readyz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (i > 600) throw new Error('control plane did not become ready in 60 s');
    await Bun.sleep(100);
  }
  return { url, pid: proc.pid, stderr, proc };
}

function httpApp(url: string, databaseUrl: string, db: Db): TestApp {
  return {
    app: null as never,
    db,
    bus: null as never,
    config: testConfig({ databaseUrl }),
    replica: null as never,
    testDb: null as never,
    logs: [],
    request: (path, init) => fetch(url + path, { ...init, redirect: 'manual' }),
    close: async () => {},
  };
}

export async function startSpawnedPlane(opts: { replicas?: number; env?: Record<string, string> } = {}): Promise<SpawnedPlane> {
  const testDb = await createTestDatabase();
  const env = opts.env ?? {};
  const replicas: Replica[] = [];
  const admin = postgres(testDb.url, { max: 2, onnotice: () => {} });
  const adminDb = drizzle(admin) as unknown as Db;
  try {
    for (let i = 0; i < (opts.replicas ?? 1); i++) replicas.push(await startReplica(testDb.url, env));
    const user = await makeUser(adminDb, 'bench@example.com');
    const org = await createOrg(adminDb, { name: 'Bench MSP', parent: null, plan: 'enterprise' });
    if (!org.ok) throw new Error('org');
    await setMembership(adminDb, org.org.id, user.id, 'owner');
    const client = (i = 0) => httpApp(replicas[i % replicas.length]!.url, testDb.url, adminDb);
    const browser = await signIn(client(), user);
    const api = await apiClient(client(), browser);
    return {
      testDb,
      admin,
      adminDb,
      replicas,
      async addReplica() {
        const r = await startReplica(testDb.url, env);
        replicas.push(r);
        return r;
      },
      client,
      orgId: org.org.id,
      browser,
      api,
      async enroll(count, prefix, width = 8) {
        const out: EnrolledCluster[] = new Array(count);
        let next = 0;
        await Promise.all(
          Array.from({ length: width }, async (_, w) => {
            const url = replicas[w % replicas.length]!.url;
            while (next < count) {
              const i = next++;
              out[i] = await enrollOne(url, api.token, { name: `${prefix}-${String(i).padStart(5, '0')}`, environment: 'production', orgId: org.org.id }, i);
            }
          }),
        );
        return out;
      },
      async metrics(replica) {
        const res = await fetch(`${replica.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        if (!res.ok) throw new Error(`metrics: ${res.status}`);
        return res.text();
      },
      async stop() {
        await stopAll(replicas);
        await admin.end({ timeout: 5 }).catch(() => {});
        await testDb.drop();
      },
    };
  } catch (e) {
    await stopAll(replicas);
    await admin.end({ timeout: 5 }).catch(() => {});
    await testDb.drop();
    throw e;
  }
}

/**
 * Creates a cluster through the API and enrolls it as its agent would, from its own address: each store's
 * agent dials out from its own site, so the replicas (which trust X-Forwarded-For here, as behind a load
 * balancer) count enrollment attempts per store, not per benchmark.
 */
async function enrollOne(url: string, token: string, input: { name: string; environment: string; orgId: string }, i: number): Promise<EnrolledCluster> {
  const created = await fetch(`${url}/v1/clusters`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${await created.text()}`);
  const { cluster, enrollment } = (await created.json()) as { cluster: { id: string }; enrollment: { token: string } };
  const res = await fetch(`${url}${AGENT_PATHS.enroll}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
    body: JSON.stringify({
      token: enrollment.token,
      agentVersion: '0.4.0',
      protocol: PROTOCOL,
      clusterFacts: { k8sVersion: 'v1.31.4+k3s1', distribution: 'k3s', platform: 'linux/amd64' },
    }),
  });
  if (res.status !== 200) throw new Error(`enroll failed: ${res.status} ${await res.text()}`);
  const { agentKey } = (await res.json()) as { agentKey: string };
  return { clusterId: cluster.id, agentKey };
}

async function stopAll(replicas: Replica[]): Promise<void> {
  for (const r of replicas) r.proc.kill('SIGTERM');
  await Promise.all(replicas.map((r) => Promise.race([r.proc.exited, Bun.sleep(15_000).then(() => r.proc.kill('SIGKILL'))])));
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime), counted from the state field (3) after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by every process named `postgres` (the server and its backends), live ones only. */
export function postgresCpuSeconds(): { seconds: number; pids: Set<number> } {
  let seconds = 0;
  const pids = new Set<number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      seconds += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
      pids.add(Number(name));
    } catch {
      // The process ended between listing and reading.
    }
  }
  return { seconds, pids };
}

/** Resident memory of a process in MiB (VmRSS); NaN once it is gone. */
export function processRssMiB(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
