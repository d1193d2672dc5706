// A simulated cluster with a real agent process attached: what the demo's fleet and `bun run sim fleet`
// are made of. The agent runs in-cluster style (service-account files, the API address from the
// environment, the cluster CA in NODE_EXTRA_CA_CERTS at start) exactly as in a pod, and talks to the
// control plane over HTTP like any other agent. Nothing here knows the control plane's internals.
import type { Subprocess } from 'bun';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type Simulator, type SimulatorOptions } from './index.ts';
import { kubeFetch } from './testing.ts';

export const AGENT_MAIN = join(import.meta.dir, '..', 'agent', 'main.ts');
const KEY_SECRET = 'niro-agent-key';
const AGENT_NAMESPACE = 'niro-system';

export type FleetMemberOptions = SimulatorOptions & {
  /** The control plane the agent reports to. */
  niroUrl: string;
  /** The agent's argv; default `bun agent/main.ts` (pass ['dist/niro-agent'] for the compiled binary). */
  agentCommand?: string[];
  /** Where the agent's JSON log lines go; default discarded. */
  agentLogFile?: string;
  /** Extra agent environment (NIRO_LOG_LEVEL, NIRO_MAX_PODS…). */
  agentEnv?: Record<string, string>;
};

export type FleetMember = {
  name: string;
  sim: Simulator;
  /** Starts the agent (a no-op while it runs). `token` is NIRO_TOKEN, needed only until the key Secret exists. */
  startAgent(token?: string): void;
  /** SIGTERM, SIGKILL after 5 s; resolves once it exited. */
  stopAgent(): Promise<void>;
  agentPid(): number | null;
  /** The key the agent keeps in Secret niro-system/niro-agent-key, or null before enrollment. */
  readAgentKey(): { key: string; clusterId: string } | null;
  /** Restores that Secret, as a cluster whose state survived a restart still has it. */
  writeAgentKey(key: string, clusterId: string): Promise<void>;
  stop(): Promise<void>;
};

export async function startFleetMember(options: FleetMemberOptions): Promise<FleetMember> {
  const sim = await startSimulator(options);
  const root = join(sim.dir, 'pod-root');
  const caFile = await sim.writeInClusterFiles(root).then((dir) => join(dir, 'ca.crt'));
  let agent: Subprocess | null = null;

  const member: FleetMember = {
    name: sim.name,
    sim,
    startAgent(token) {
      if (agent && agent.exitCode === null && !agent.killed) return;
      // One append-mode descriptor for both streams, so restarts add to the log instead of truncating it.
      const fd = options.agentLogFile ? openSync(options.agentLogFile, 'a') : null;
      agent = Bun.spawn(options.agentCommand ?? [process.execPath, AGENT_MAIN], {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          NIRO_URL: options.niroUrl,
          ...(token ? { NIRO_TOKEN: token } : {}),
          KUBERNETES_SERVICE_HOST: '127.0.0.1',
          KUBERNETES_SERVICE_PORT: String(sim.port),
          NIRO_IN_CLUSTER_ROOT: root,
          NODE_EXTRA_CA_CERTS: caFile,
          ...options.agentEnv,
        },
        stdin: 'ignore',
        stdout: fd ?? 'ignore',
        stderr: fd ?? 'ignore',
      });
      if (fd !== null) closeSync(fd);
    },
    async stopAgent() {
      const running = agent;
      agent = null;
      if (!running || running.exitCode !== null) return;
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
      await running.exited;
      clearTimeout(timer);
    },
    agentPid: () => (agent && agent.exitCode === null ? agent.pid : null),
    readAgentKey() {
      const secret = sim.get('secrets', AGENT_NAMESPACE, KEY_SECRET) as { data?: Record<string, string> } | null;
      if (!secret?.data?.agentKey) return null;
      const decode = (v: string | undefined): string => Buffer.from(v ?? '', 'base64').toString('utf8');
      return { key: decode(secret.data.agentKey), clusterId: decode(secret.data.clusterId) };
    },
    async writeAgentKey(key, clusterId) {
      const data = { agentKey: Buffer.from(key).toString('base64'), clusterId: Buffer.from(clusterId).toString('base64') };
      const res = await kubeFetch(sim, `/api/v1/namespaces/${AGENT_NAMESPACE}/secrets`, {
        as: 'admin',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: KEY_SECRET, namespace: AGENT_NAMESPACE, labels: { 'app.kubernetes.io/name': 'niro-agent' } },
          type: 'Opaque',
          data,
        }),
      });
      if (!res.ok) throw new Error(`cannot restore Secret ${AGENT_NAMESPACE}/${KEY_SECRET} in simulator ${sim.name}: ${res.status} ${await res.text()}`);
    },
    async stop() {
      await member.stopAgent();
      await sim.stop();
    },
  };
  return member;
}
