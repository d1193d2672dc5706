// The watch-fed agent beside today's re-list path (NIRO_WATCH=false), measured in the same run: two agents of the same
// binary, each against its own simulator of the same seed (no tick: no pod changes), both running throughout. They
// take turns in rounds, the order flipped every round: the one measured runs while the other is stopped (SIGSTOP), so
// they never compete for the CPU and both see the same machine load. Per side: CPU per beat (each beat's own), response
// bytes the simulator wrote per beat (everything the agent read: lists, watch streams, metrics, access reviews), peak
// RSS. Then the watch side alone under 50 pod changes per second (creates, label patches, deletions), CPU over the
// window as a share of one core.
import { type FleetMember, startFleetMember } from '../../sim/fleet';
import { kubeFetch } from '../../sim/testing';
import { cpuMs, procStatus, type Stub, startStub, waitBeats } from './agent-process';
import { type Summary, summarize } from './report';

export type Side = { perBeat: Summary; cpuPerBeat: number; bytesPerBeat: number; rssPeak: number };
export type PairResult = {
  watch: Side;
  relist: Side;
  churn: { changes: number; seconds: number; cpuPct: number; beats: number };
  /** Bytes of one read of pod and node metrics (metrics.k8s.io has no watch: both paths list it every beat). */
  metricsBytes: number;
};

export type PairOptions = {
  pods: number;
  nodes: number;
  rounds: number;
  beatsPerRound: number;
  warmupBeats: number;
  churnSeconds: number;
  changesPerSecond: number;
};

type Agent = { member: FleetMember; stub: Stub; samples: number[]; cpu: number; bytes: number; beats: number };

async function startSide(binary: string, options: PairOptions, watch: boolean): Promise<Agent> {
  const stub = startStub();
  const member = await startFleetMember({
    name: watch ? 'bench-watch' : 'bench-relist',
    nodes: options.nodes,
    pods: options.pods,
    seed: 7,
    tickMs: 0,
    evolve: false,
    logLinesPerSecond: 0,
    niroUrl: stub.url,
    agentCommand: [binary],
    agentEnv: { NIRO_LOG_LEVEL: 'warn', NIRO_WATCH: String(watch) },
  });
  member.startAgent('niro_enr_bench');
  return { member, stub, samples: [], cpu: 0, bytes: 0, beats: 0 };
}

/** One turn: this agent runs (the other is stopped) for `beats` beats after one to settle. */
async function turn(agent: Agent, other: Agent, beats: number): Promise<void> {
  process.kill(other.member.agentPid()!, 'SIGSTOP');
  const pid = agent.member.agentPid()!;
  process.kill(pid, 'SIGCONT');
  await waitBeats(agent.stub, agent.stub.beats.length + 1, 30_000);
  agent.stub.watch(pid);
  const from = agent.stub.beats.length;
  const cpu0 = cpuMs(pid);
  const bytes0 = agent.member.sim.stats().bytesSent;
  await waitBeats(agent.stub, from + beats, beats * 3000 + 10_000);
  const got = agent.stub.beats.length - from;
  agent.cpu += cpuMs(pid) - cpu0;
  agent.bytes += agent.member.sim.stats().bytesSent - bytes0;
  agent.beats += got;
  const at = agent.stub.beats
    .slice(from)
    .map((b) => b.cpu)
    .filter((c) => Number.isFinite(c));
  agent.samples.push(...at.slice(1).map((c, i) => c - at[i]!));
}

function side(agent: Agent): Side {
  return {
    perBeat: summarize(agent.samples),
    cpuPerBeat: agent.cpu / agent.beats,
    bytesPerBeat: agent.bytes / agent.beats,
    rssPeak: procStatus(agent.member.agentPid()!, 'VmHWM'),
  };
}

/** `changesPerSecond` pod changes against the watch side's simulator for `seconds`: create, patch labels, delete in turn. */
async function churn(agent: Agent, options: PairOptions): Promise<PairResult['churn']> {
  const sim = agent.member.sim;
  const pid = agent.member.agentPid()!;
  const seeded = sim.list('pods').filter((p) => p.metadata.namespace !== 'kube-system');
  const total = Math.round(options.churnSeconds * options.changesPerSecond);
  const beats0 = agent.stub.beats.length;
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  let created = 0;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / options.changesPerSecond;
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    if (i % 3 === 0) sim.addPod({ namespace: 'churn', name: `churn-${created++}`, image: 'busybox:1.36', labels: { app: 'churn' } });
    else if (i % 3 === 1) {
      const pod = seeded[i % seeded.length]!;
      const response = await kubeFetch(sim, `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, {
        method: 'PATCH',
        as: 'admin',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ metadata: { labels: { churn: String(i) } } }),
      });
      await response.body?.cancel();
    } else {
      const response = await kubeFetch(sim, `/api/v1/namespaces/churn/pods/churn-${created - 1}`, { method: 'DELETE', as: 'admin' });
      await response.body?.cancel();
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { changes: total, seconds, cpuPct: ((cpuMs(pid) - cpu0) / (seconds * 1000)) * 100, beats: agent.stub.beats.length - beats0 };
}

export async function measureWatchVsRelist(binary: string, options: PairOptions): Promise<PairResult> {
  const agents: Agent[] = [];
  try {
    agents.push(await startSide(binary, options, true), await startSide(binary, options, false));
    const [watch, relist] = agents as [Agent, Agent];
    await Promise.all(agents.map((a) => waitBeats(a.stub, options.warmupBeats, 60_000)));
    for (let round = 0; round < options.rounds; round++) {
      const order: [Agent, Agent][] =
        round % 2 === 0
          ? [
              [watch, relist],
              [relist, watch],
            ]
          : [
              [relist, watch],
              [watch, relist],
            ];
      for (const [agent, other] of order) await turn(agent, other, options.beatsPerRound);
    }
    let metricsBytes = 0;
    for (const path of ['/apis/metrics.k8s.io/v1beta1/pods', '/apis/metrics.k8s.io/v1beta1/nodes']) {
      metricsBytes += (await (await kubeFetch(watch.member.sim, path)).arrayBuffer()).byteLength;
    }
    process.kill(relist.member.agentPid()!, 'SIGSTOP');
    process.kill(watch.member.agentPid()!, 'SIGCONT');
    const churned = await churn(watch, options);
    process.kill(relist.member.agentPid()!, 'SIGCONT');
    return { watch: side(watch), relist: side(relist), churn: churned, metricsBytes };
  } finally {
    for (const agent of agents) {
      const pid = agent.member.agentPid();
      if (pid) process.kill(pid, 'SIGCONT');
      await agent.member.stop();
      agent.stub.stop();
    }
  }
}
