// Checks the real agent process against the Kubernetes simulator (HTTPS, CA, service-account token) and a
// stub control plane speaking the contract: enrollment into the key Secret, heartbeats that validate and
// match `kubectl get pods`, capabilities following RBAC, metrics-server absence, commands, a live log
// stream cancelled on stop, a rejected key, restart without the token, and a clean SIGTERM.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { ServerWebSocket, Subprocess } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import {
  AGENT_KEY_HEADER,
  CommandResult,
  EnrollRequest,
  HeartbeatV2,
  type AgentFrame,
  type CommandEnvelope,
  type DataFrame,
  type ServerFrame,
} from '../src/contract/index.ts';
import { startSimulator, type Simulator } from '../sim/index.ts';
import { waitFor } from './testing/fake-kube.ts';
import { PROTOCOL } from '../src/contract/index.ts';

const AGENT_KEY = 'niro_ak_e2e';

/** A minimal control plane: records what the agent sends, answers per the contract. */
class StubControlPlane {
  enrollments: EnrollRequest[] = [];
  heartbeats: HeartbeatV2[] = [];
  heartbeatErrors: string[] = [];
  results: CommandResult[] = [];
  frames: AgentFrame[] = [];
  queue: CommandEnvelope[] = [];
  rejectKey = false;
  socket: ServerWebSocket<unknown> | null = null;
  server = Bun.serve({
    port: 0,
    fetch: async (request, server) => {
      const path = new URL(request.url).pathname;
      if (path === '/v1/agent/enroll') {
        const body = (await request.json()) as EnrollRequest;
        this.enrollments.push(body);
        // Tokens are single use, as on the real server.
        if (this.enrollments.filter((e) => e.token === body.token).length > 1) {
          return Response.json({ error: { code: 'invalid_token', message: 'invalid enrollment token' } }, { status: 401 });
        }
        return Response.json({ agentKey: AGENT_KEY, clusterId: 'cluster-e2e', heartbeatIntervalSeconds: 1 });
      }
      if (request.headers.get(AGENT_KEY_HEADER) !== AGENT_KEY || this.rejectKey) {
        return Response.json({ error: { code: 'unauthorized', message: 'cluster deleted' } }, { status: 401 });
      }
      if (path === '/v1/agent/stream') return server.upgrade(request) ? undefined : new Response('upgrade', { status: 400 });
      if (path === '/v1/agent/heartbeat') {
        const body = JSON.parse(new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(await request.arrayBuffer()))));
        const errors = [...Value.Errors(HeartbeatV2, body)].map((e) => `${e.path} ${e.message}`);
        if (errors.length > 0) this.heartbeatErrors.push(...errors);
        else this.heartbeats.push(body as HeartbeatV2);
        return Response.json({ nextIntervalSeconds: 1, commandsPending: this.queue.length > 0, serverTime: new Date().toISOString() });
      }
      if (path === '/v1/agent/commands') {
        // A short hold keeps the test quick; the real server holds up to 30 s.
        const deadline = Date.now() + 300;
        while (this.queue.length === 0 && Date.now() < deadline) await Bun.sleep(20);
        return Response.json({ commands: this.queue.splice(0) });
      }
      const result = /^\/v1\/agent\/commands\/([^/]+)\/result$/.exec(path);
      if (result) {
        this.results.push((await request.json()) as CommandResult);
        return new Response(null, { status: 204 });
      }
      return new Response('not found', { status: 404 });
    },
    websocket: {
      open: (ws) => {
        this.socket = ws;
      },
      message: (_ws, message) => {
        this.frames.push(JSON.parse(String(message)) as AgentFrame);
      },
      close: () => {
        this.socket = null;
      },
    },
  });
  get url(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }
  latest(): HeartbeatV2 {
    return this.heartbeats.at(-1)!;
  }
  /** Waits for a heartbeat sent after this call that satisfies `check`. */
  async nextHeartbeat(check: (beat: HeartbeatV2) => boolean, what: string): Promise<HeartbeatV2> {
    const from = this.heartbeats.length;
    await waitFor(() => this.heartbeats.slice(from).some(check), 10_000, what);
    return this.heartbeats.slice(from).find(check)!;
  }
  send(frame: ServerFrame): void {
    this.socket!.send(JSON.stringify(frame));
  }
}

class AgentProcess {
  lines: string[] = [];
  private readonly process: Subprocess<'ignore', 'pipe', 'inherit'>;
  constructor(env: Record<string, string>) {
    this.process = Bun.spawn([process.execPath, join(import.meta.dir, 'main.ts')], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NIRO_LOG_LEVEL: 'info', ...env },
      stdout: 'pipe',
      stderr: 'inherit',
    });
    void this.read();
  }
  private async read(): Promise<void> {
    const decoder = new TextDecoder();
    const reader = this.process.stdout.getReader();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      this.lines.push(...parts.filter(Boolean));
    }
  }
  logged(text: string): boolean {
    return this.lines.some((line) => line.includes(text));
  }
  async stop(): Promise<number> {
    this.process.kill('SIGTERM');
    return await this.process.exited;
  }
}

let sim: Simulator;
let cp: StubControlPlane;
let agent: AgentProcess;
let root: string;
const agentEnv = (): Record<string, string> => ({
  NIRO_URL: cp.url,
  NIRO_TOKEN: 'niro_et_e2e',
  // In-cluster configuration, exactly as in a pod: service-account token and CA files, the API address
  // from the environment, and the CA handed to Bun at start.
  KUBERNETES_SERVICE_HOST: '127.0.0.1',
  KUBERNETES_SERVICE_PORT: String(sim.port),
  NIRO_IN_CLUSTER_ROOT: root,
  NODE_EXTRA_CA_CERTS: join(root, 'var/run/secrets/kubernetes.io/serviceaccount/ca.crt'),
});

beforeAll(async () => {
  sim = await startSimulator({ pods: 80, tickMs: 0, logLinesPerSecond: 0 });
  cp = new StubControlPlane();
  root = mkdtempSync(join(tmpdir(), 'niro-agent-root-'));
  await sim.writeInClusterFiles(root);
  agent = new AgentProcess(agentEnv());
});

afterAll(async () => {
  await agent?.stop();
  cp?.server.stop(true);
  await sim?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('agent against the simulator', () => {
  test('enrolls once and stores the key in niro-system/niro-agent-key', async () => {
    await waitFor(() => cp.heartbeats.length > 0, 15_000, 'first heartbeat');
    expect(cp.enrollments).toHaveLength(1);
    expect(cp.enrollments[0]).toMatchObject({ token: 'niro_et_e2e', protocol: PROTOCOL, clusterFacts: { distribution: 'k3s' } });
    const secret = sim.get('secrets', 'niro-system', 'niro-agent-key') as unknown as { data: Record<string, string> };
    expect(Buffer.from(secret.data.agentKey!, 'base64').toString()).toBe(AGENT_KEY);
    expect(agent.lines.join('\n')).not.toContain(AGENT_KEY);
    expect(agent.lines.join('\n')).not.toContain('niro_et_e2e');
  });

  test('heartbeats validate and say what kubectl says', async () => {
    expect(cp.heartbeatErrors).toEqual([]);
    const beat = cp.latest();
    expect(beat.pods.length).toBe(sim.list('pods').length);
    expect(beat.podsTruncated).toBe(false);
    expect(beat.nodes.length).toBe(sim.list('nodes').length);
    const kubectl = Bun.spawn(['kubectl', '--kubeconfig', sim.kubeconfigPath, 'get', 'pods', '-A', '--no-headers'], { stdout: 'pipe', stderr: 'pipe' });
    const out = await new Response(kubectl.stdout).text();
    if ((await kubectl.exited) !== 0) return; // No kubectl on this machine: the field checks above still ran.
    const byKey = new Map(beat.pods.map((p) => [`${p.namespace}/${p.name}`, `${p.ready} ${p.status} ${p.restarts}`]));
    for (const line of out.trim().split('\n')) {
      const [namespace, name, ready, status, restarts] = line.trim().split(/\s+/);
      expect(`${namespace}/${name} ${byKey.get(`${namespace}/${name}`)}`).toBe(`${namespace}/${name} ${ready} ${status} ${restarts}`);
    }
  });

  test('capabilities follow RBAC: granted, then revoked', async () => {
    expect(cp.latest().capabilities.logs.enabled).toBe(false);
    sim.setRbac({ logs: true });
    await cp.nextHeartbeat((b) => b.capabilities.logs.enabled, 'logs capability');
    sim.setRbac({ logs: false });
    await cp.nextHeartbeat((b) => !b.capabilities.logs.enabled, 'logs revoked');
  });

  test('metrics-server off: usage flagged unavailable, no errors; back on: usage returns', async () => {
    sim.setMetrics(false);
    const beat = await cp.nextHeartbeat((b) => !b.capabilities.podMetrics.enabled, 'metrics off');
    expect(beat.pods.every((p) => !p.usageAvailable && p.cpuUsageMilli === 0)).toBe(true);
    expect(beat.nodes.every((n) => n.cpuUsageMilli === undefined)).toBe(true);
    sim.setMetrics(true);
    await cp.nextHeartbeat((b) => b.pods.some((p) => p.usageAvailable), 'metrics back');
    expect(cp.heartbeatErrors).toEqual([]);
  });

  test('commands: ping; apply refused without the capability, performed with it', async () => {
    const manifests = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: niro-e2e\ndata:\n  hello: world\n';
    cp.queue.push({ id: 'c-ping', type: 'ping', createdAt: new Date().toISOString(), payload: {} });
    cp.queue.push({ id: 'c-apply-1', type: 'apply', createdAt: new Date().toISOString(), payload: { manifests, defaultNamespace: 'default' } });
    await waitFor(() => cp.results.length >= 2, 10_000, 'results');
    expect(cp.results[0]).toMatchObject({ commandId: 'c-ping', ok: true, message: 'pong' });
    expect(cp.results[1]).toMatchObject({ commandId: 'c-apply-1', ok: false, details: { code: 'capability_missing' } });
    expect(sim.get('configmaps', 'default', 'niro-e2e')).toBeNull();

    sim.setRbac({ apply: true });
    cp.queue.push({ id: 'c-apply-2', type: 'apply', createdAt: new Date().toISOString(), payload: { manifests, defaultNamespace: 'default' } });
    cp.queue.push({
      id: 'c-delete-ns',
      type: 'delete',
      createdAt: new Date().toISOString(),
      payload: { apiVersion: 'v1', kind: 'Namespace', namespace: 'default', name: 'default' },
    });
    await waitFor(() => cp.results.length >= 4, 10_000, 'apply result');
    expect(cp.results[2]).toMatchObject({ commandId: 'c-apply-2', ok: true });
    expect(sim.get('configmaps', 'default', 'niro-e2e')).not.toBeNull();
    expect(cp.results[3]).toMatchObject({ commandId: 'c-delete-ns', ok: false, details: { code: 'forbidden_target' } });
    for (const result of cp.results) expect(Value.Check(CommandResult, result)).toBe(true);
    sim.setRbac({ apply: false });
  });

  test('a log stream: refused without logs, then lines flow and stop cancels the request', async () => {
    await waitFor(() => cp.socket !== null, 10_000, 'stream connection');
    const pod = sim
      .list('pods')
      .find((p) => (p as { status?: { phase?: string } }).status?.phase === 'Running' && !p.metadata.deletionTimestamp) as unknown as {
      metadata: { name: string; namespace: string };
      spec: { containers: { name: string }[] };
    };
    const container = pod.spec.containers[0]!.name;
    const start = (streamId: string): void =>
      cp.send({
        type: 'start-log',
        streamId,
        namespace: pod.metadata.namespace,
        pod: pod.metadata.name,
        container,
        follow: true,
        tailLines: 0,
        previous: false,
        timestamps: false,
      });
    const frames = (streamId: string): DataFrame[] => cp.frames.filter((f): f is DataFrame => f.type === 'data' && f.streamId === streamId);

    start('refused');
    await waitFor(() => frames('refused').some((f) => f.eof), 5000, 'refusal');
    expect(frames('refused')[0]!.err).toContain('NIRO_ENABLE_LOGS=1');

    sim.setRbac({ logs: true });
    start('live');
    await waitFor(() => sim.openLogRequests() === 1, 5000, 'log request open');
    sim.emitLines(pod.metadata.namespace, pod.metadata.name, container, ['first line', '<b>not html</b>']);
    await waitFor(
      () =>
        frames('live')
          .map((f) => f.data)
          .join('')
          .includes('not html'),
      5000,
      'lines',
    );
    expect(
      frames('live')
        .map((f) => f.data)
        .join(''),
    ).toBe('first line\n<b>not html</b>\n');
    cp.send({ type: 'stop', streamId: 'live' });
    await waitFor(() => frames('live').some((f) => f.eof), 5000, 'eof');
    await waitFor(() => sim.openLogRequests() === 0, 5000, 'request closed');
    sim.setRbac({ logs: false });
  });

  test('a rejected key is logged clearly and heartbeats slow down', async () => {
    cp.rejectKey = true;
    await waitFor(() => agent.logged('agent key rejected: cluster deleted or key revoked'), 10_000, 'rejection log');
    const count = cp.heartbeats.length;
    // The agent tries its token once (refused: already used), then waits minutes, not seconds.
    await waitFor(() => agent.logged('enrollment token rejected'), 5000, 're-enroll attempt');
    expect(cp.enrollments).toHaveLength(2);
    cp.rejectKey = false;
    expect(cp.heartbeats.length).toBe(count);
  });

  test('a restarted agent reuses its stored key and exits cleanly on SIGTERM', async () => {
    expect(await agent.stop()).toBe(0);
    expect(agent.logged('"msg":"stopped"')).toBe(true);
    const enrollments = cp.enrollments.length;
    agent = new AgentProcess({ ...agentEnv(), NIRO_TOKEN: '' });
    await cp.nextHeartbeat(() => true, 'heartbeat after restart');
    expect(cp.enrollments.length).toBe(enrollments);
  });
});
