// The demo's simulated fleet: one Kubernetes simulator per cluster, each with a real agent process that
// enrolled through the real token flow (cluster created → single-use token → NIRO_TOKEN → agent key).
//
// Restarts: the simulators are new on every run, but a real cluster keeps its Secrets across a reboot. So
// the demo plays the clusters' part: it remembers each agent's key (the content of Secret
// niro-system/niro-agent-key) in the data dir and puts it back into the fresh simulator before the agent
// starts. The agent then reuses its key like after a pod restart, and the cluster keeps its history. When
// the remembered key no longer matches (a new database, a deleted cluster), the cluster enrolls again:
// a new token for one that never enrolled, otherwise deleted and created afresh (an enrolled cluster can
// only get a new key that way — the same thing an operator does after losing the Secret).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/client';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { AgentKeyCache } from '../deps';
import type { Org } from '../orgs/schema';
import type { Actor } from '../audit/store';
import type { Cluster } from '../clusters/schema';
import type { Environment } from '../clusters/vocabulary';
import { listFleet } from '../clusters/store';
import { createClusterWithToken, regenerateToken, removeCluster } from '../clusters/manage';
import { AGENT_KEY_PREFIX } from '../clusters/enrollment';
import { parseSecret, secretMatches } from '../security/secrets';
import { startFleetMember, type FleetMember } from '../../sim/fleet';
import type { Problem } from '../../sim/index';
import type { DemoTree } from './seed';

export type DemoClusterSpec = {
  name: string;
  /** 'msp' or the index of a customer org of the demo tree. */
  org: 'msp' | 0 | 1;
  environment: Environment;
  nodes: number;
  pods: number;
  seed: number;
  metrics?: boolean;
  rbac?: { logs?: boolean; apply?: boolean };
  /** The troubled workloads its simulator plants (none: a healthy cluster). */
  problems: Problem[];
  /** The agent is stopped now and then, long enough for the cluster to go Offline, then started again. */
  flaps?: boolean;
};

/**
 * Different sizes, environments and orgs, most of them Healthy as most clusters are, with a few believable
 * problems: Northwind's own cluster keeps an evicted leftover and a failed import Job (history, not incidents);
 * Berlin has a release candidate whose image tag does not exist (image_pull_failing: Critical in production) and a
 * pod no node can fit (pending too long after 10 min); the plant's production
 * cluster has a crash loop (Critical) and a container OOM-killed every few hours; someone's experiment
 * crash-loops in the dev lab (Warning: dev incidents are medium); line 07 loses its uplink now and then (Offline).
 */
export const DEMO_FLEET: DemoClusterSpec[] = [
  { name: 'northwind-ops', org: 'msp', environment: 'production', nodes: 3, pods: 60, seed: 11, rbac: { logs: true }, problems: ['evicted', 'failed-job'] },
  { name: 'contoso-edge-lab', org: 0, environment: 'dev', nodes: 1, pods: 9, seed: 12, problems: ['crashloop'] },
  { name: 'contoso-store-berlin', org: 0, environment: 'production', nodes: 2, pods: 40, seed: 13, metrics: false, problems: ['imagepull', 'pending'] },
  {
    name: 'fabrikam-plant-01',
    org: 1,
    environment: 'production',
    nodes: 5,
    pods: 150,
    seed: 14,
    rbac: { logs: true, apply: true },
    problems: ['crashloop', 'oom', 'stuck'],
  },
  { name: 'fabrikam-line-07', org: 1, environment: 'staging', nodes: 2, pods: 25, seed: 15, problems: [], flaps: true },
];

export type DemoFleet = { clusters: { name: string; clusterId: string; agentPid: number | null }[]; stop(): Promise<void> };

type KeyFile = Record<string, { key: string; clusterId: string }>;

function readKeys(file: string): KeyFile {
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as KeyFile) : {};
  } catch {
    return {};
  }
}

async function findByName(db: Db, org: Org, name: string) {
  const rows = await listFleet(db, { orgIds: [org.id], q: name }, { limit: 50 });
  return rows.find((r) => r.name.toLowerCase() === name.toLowerCase()) ?? null;
}

/** Starts every simulator and agent; `niroUrl` is where the agents reach the control plane. */
export async function startDemoFleet(deps: {
  db: Db;
  config: Config;
  log: Logger;
  agentKeys: AgentKeyCache;
  niroUrl: string;
  tree: DemoTree;
  actor: Actor;
  specs?: DemoClusterSpec[];
}): Promise<DemoFleet> {
  const { db, config, log } = deps;
  const dir = join(config.dataDir, 'demo-fleet');
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, 'agent-keys.json');
  const keys = readKeys(keyFile);
  const saveKeys = (): void => writeFileSync(keyFile, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });

  const members: FleetMember[] = [];
  const timers: ReturnType<typeof setTimeout>[] = [];
  const clusters: DemoFleet['clusters'] = [];
  let stopping = false;
  /** Agents enrolled this run whose key is not saved yet. */
  const pending = new Map<string, FleetMember>();
  // The agents are this process's children: never leave them running, whatever ends the demo — also when it
  // ends while the fleet is still starting (a signal then exits the process before stop() exists).
  const killAll = (): void => {
    for (const m of members) {
      const pid = m.agentPid();
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }
  };
  process.once('exit', killAll);

  for (const spec of deps.specs ?? DEMO_FLEET) {
    const org = spec.org === 'msp' ? deps.tree.msp : deps.tree.customers[spec.org];
    const member = await startFleetMember({
      name: spec.name,
      nodes: spec.nodes,
      pods: spec.pods,
      seed: spec.seed,
      metrics: spec.metrics ?? true,
      rbac: spec.rbac,
      problems: spec.problems,
      tickMs: 5000,
      niroUrl: deps.niroUrl,
      agentLogFile: join(dir, `${spec.name}.log`),
    });
    members.push(member);

    let cluster: Cluster | null = await findByName(db, org, spec.name);
    const remembered = keys[spec.name];
    const parts = parseSecret(AGENT_KEY_PREFIX, remembered?.key);
    let token: string | undefined;
    if (
      cluster &&
      remembered &&
      parts &&
      cluster.agentKeyPublicId === parts.publicId &&
      cluster.agentKeyHash &&
      secretMatches(parts.secret, cluster.agentKeyHash)
    ) {
      await member.writeAgentKey(remembered.key, cluster.id);
    } else {
      if (cluster && !cluster.enrolledAt) {
        const res = await regenerateToken(db, deps.actor, cluster);
        if (res.ok) token = res.issued.token;
      } else if (cluster) {
        await removeCluster(db, deps.actor, cluster, deps.agentKeys);
        cluster = null;
      }
      if (!cluster) {
        const created = await createClusterWithToken(db, deps.actor, org, { name: spec.name, environment: spec.environment });
        if (!created.ok) throw new Error(`demo cluster ${spec.name} could not be created: ${created.reason}`);
        cluster = created.cluster;
        token = created.issued.token;
      }
    }
    member.startAgent(token);
    clusters.push({ name: spec.name, clusterId: cluster.id, agentPid: member.agentPid() });
    if (token) void rememberKey(member, spec.name);
    if (spec.flaps) flap(member, spec.name);
  }

  /** Once the agent has stored its key in the simulator's Secret, keep a copy for the next run. */
  function takeKey(member: FleetMember, name: string): boolean {
    const stored = member.readAgentKey();
    if (!stored) return false;
    keys[name] = stored;
    saveKeys();
    pending.delete(name);
    return true;
  }
  async function rememberKey(member: FleetMember, name: string): Promise<void> {
    pending.set(name, member);
    const deadline = Date.now() + 120_000;
    while (!stopping && Date.now() < deadline && !takeKey(member, name)) {
      await new Promise((resolve) => timers.push(setTimeout(resolve, 500)));
    }
  }

  /**
   * Down long enough to pass NIRO_OFFLINE_AFTER (Unknown, then Offline with an incident), then up again: first a
   * couple of minutes in, so a visitor sees it happen, then every half hour or so, as a flaky uplink would.
   */
  function flap(member: FleetMember, name: string): void {
    const downMs = (config.offlineAfterSeconds + 3 * config.heartbeatIntervalSeconds) * 1000;
    let upMs = Math.max(120_000, downMs);
    const cycle = (): void => {
      timers.push(
        setTimeout(async () => {
          if (stopping) return;
          log.info('demo: taking a cluster offline', { cluster: name, seconds: Math.round(downMs / 1000) });
          await member.stopAgent();
          timers.push(
            setTimeout(() => {
              if (stopping) return;
              log.info('demo: cluster back online', { cluster: name });
              member.startAgent();
              upMs = Math.max(30 * 60_000, downMs);
              cycle();
            }, downMs),
          );
        }, upMs),
      );
    };
    cycle();
  }

  return {
    clusters,
    async stop() {
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      // Keys stored since the last look are saved before their simulators go away.
      for (const [name, member] of pending) takeKey(member, name);
      await Promise.all(members.map((m) => m.stop()));
      process.off('exit', killAll);
    },
  };
}
