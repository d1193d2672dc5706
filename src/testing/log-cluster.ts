// A simulated cluster with the real agent process enrolled against a control plane, for log stream tests
// and the logs benchmark: the simulator (logs granted unless told otherwise), a pod with known containers,
// and `bun agent/main.ts` with the simulator's kubeconfig and CA (Bun reads NODE_EXTRA_CA_CERTS at start).
import { startSimulator, type AddPodInput, type Simulator } from '../../sim/index.ts';
import { startAgentProcess, type AgentProcess } from '../../agent/testing/agent-process.ts';

export type LogCluster = { sim: Simulator; agent: AgentProcess; stop(): Promise<void> };

/**
 * `logRingLines`: lines each container keeps (what a resumed request can read again; the simulator keeps 1000).
 * `simPods`: the simulated cluster's own pods (default 20: k3s's and the troubled shapes; 30 brings in its
 * Deployments with sidecars, shop/api with a native fluent-bit sidecar and shop/checkout with envoy beside it).
 * `pods` are added on top.
 */
export async function startLogCluster(opts: {
  controlPlaneUrl: string;
  token: string;
  name?: string;
  pods?: AddPodInput[];
  simPods?: number;
  logs?: boolean;
  logLinesPerSecond?: number;
  logRingLines?: number;
}): Promise<LogCluster> {
  const sim = await startSimulator({
    name: opts.name ?? 'logs',
    nodes: 2,
    pods: opts.simPods ?? 20,
    tickMs: 0,
    evolve: false,
    logLinesPerSecond: opts.logLinesPerSecond ?? 0,
    logRingLines: opts.logRingLines,
    rbac: { logs: opts.logs ?? true },
  });
  for (const pod of opts.pods ?? []) sim.addPod(pod);
  const agent = startAgentProcess({
    NIRO_URL: opts.controlPlaneUrl,
    NIRO_TOKEN: opts.token,
    KUBECONFIG: sim.kubeconfigPath,
    NODE_EXTRA_CA_CERTS: sim.caFile,
    NIRO_LOG_LEVEL: 'info',
  });
  return {
    sim,
    agent,
    async stop() {
      // By pid: SIGTERM, then SIGKILL if it lingers.
      await agent.stop(3000);
      await sim.stop();
    },
  };
}
