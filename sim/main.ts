// `bun run sim [--nodes N --pods M --port P --seed S --name NAME --no-metrics --logs --apply --self-update
//              --tick-ms MS --lines-per-second R --dir DIR]`: one simulated k3s cluster until Ctrl-C.
//  `bun run sim fleet --url URL --api-token TOKEN [--clusters N --pods M …]`: many clusters with real agents (fleet-cli.ts).
import { parseArgs } from 'node:util';
import { startSimulator } from './index.ts';

if (Bun.argv[2] === 'fleet') {
  await (await import('./fleet-cli.ts')).runFleet(Bun.argv.slice(3));
  // The fleet runs until Ctrl-C, whose handler exits the process: the single-cluster code below never runs.
  await new Promise<never>(() => {});
}

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    name: { type: 'string', default: 'sim' },
    nodes: { type: 'string', default: '3' },
    pods: { type: 'string', default: '60' },
    port: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    'no-metrics': { type: 'boolean', default: false },
    logs: { type: 'boolean', default: false },
    apply: { type: 'boolean', default: false },
    'self-update': { type: 'boolean', default: false },
    'tick-ms': { type: 'string', default: '5000' },
    'lines-per-second': { type: 'string', default: '0.5' },
    dir: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: bun run sim [--name sim] [--nodes 3] [--pods 60] [--port 0] [--seed 1] [--no-metrics] [--logs] [--apply] [--self-update] [--tick-ms 5000] [--lines-per-second 0.5] [--dir DIR]',
  );
  process.exit(0);
}

const sim = await startSimulator({
  name: values.name,
  nodes: Number(values.nodes),
  pods: Number(values.pods),
  port: Number(values.port),
  seed: Number(values.seed),
  metrics: !values['no-metrics'],
  rbac: { logs: values.logs, apply: values.apply, selfUpdate: values['self-update'] },
  tickMs: Number(values['tick-ms']),
  logLinesPerSecond: Number(values['lines-per-second']),
  dir: values.dir,
});

const grants = Object.entries(sim.rbac())
  .filter(([, on]) => on)
  .map(([grant]) => grant);
console.log(`Simulated k3s cluster "${sim.name}" at ${sim.url}: ${values.nodes} nodes, ${sim.stats().pods} pods, metrics-server ${values['no-metrics'] ? 'absent' : 'on'}, agent grants: read-only${grants.length ? ` + ${grants.join(', ')}` : ''}

kubeconfig  ${sim.kubeconfigPath}
  context "${sim.name}"        the agent's service account (sees what the agent may see)
  context "${sim.name}-admin"  cluster admin

  kubectl --kubeconfig ${sim.kubeconfigPath} get pods -A
  kubectl --kubeconfig ${sim.kubeconfigPath} --context ${sim.name}-admin get jobs,cronjobs -A

Agent with the kubeconfig (Bun needs the CA in its environment at start):
  KUBECONFIG=${sim.kubeconfigPath} NODE_EXTRA_CA_CERTS=${sim.caFile} bun agent/main.ts

Agent in-cluster style: write the service-account files under a root with writeInClusterFiles(root)
(sim/index.ts), then KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=${sim.port}
NODE_EXTRA_CA_CERTS=<root>/var/run/secrets/kubernetes.io/serviceaccount/ca.crt and loadFromCluster(<root>).

Ctrl-C stops the cluster.`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await sim.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
