// The agent's wiring, as a function: main.ts calls it with the compiled-in version.
import { runCommandLoop } from './commands.ts';
import { readConfig } from './config.ts';
import { exchangeToken, obtainAgentKey, type EnrollDeps } from './enroll.ts';
import { runHeartbeatLoop } from './heartbeat.ts';
import type { KubeApi } from './kube-api.ts';
import { createKube } from './kube.ts';
import { createLogger } from './log.ts';
import { createNiroClient } from './niro-client.ts';
import { AgentSession } from './session.ts';
import { runStreamLoop } from './stream.ts';
import { startClusterView } from './view.ts';
import { startManagedView } from './managed.ts';
import { startWatchCache } from './watch-cache.ts';
import { createListQueue } from './watch-loop.ts';

/** After SIGTERM, loops get this long to close connections before the process exits regardless. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Runs the agent until SIGTERM/SIGINT; resolves with the exit code. `version` is what it reports (the
 * binary's own, from version.ts; tests run older and newer agents side by side through it).
 */
export async function runAgent(argv: string[], env: Record<string, string | undefined>, version: string): Promise<number> {
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stdout.write(`niro-agent ${version}\n`);
    return 0;
  }

  const parsed = readConfig(env);
  if (!parsed.ok) {
    createLogger('info').error(`configuration error: ${parsed.error}`);
    return 2;
  }
  const config = parsed.config;
  const log = createLogger(config.logLevel);
  log.info('niro-agent starting', {
    version: version,
    url: config.url,
    namespace: config.namespace,
    maxPods: config.maxPods,
    requested: config.requested,
    kubeconfig: config.kubeconfig ?? (env.KUBERNETES_SERVICE_HOST ? 'in-cluster' : 'default'),
  });

  const controller = new AbortController();
  const signal = controller.signal;
  const shutdown = (name: string): void => {
    if (signal.aborted) return;
    log.info('shutting down', { signal: name });
    controller.abort();
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  let kube: KubeApi;
  try {
    kube = createKube({ kubeconfig: config.kubeconfig, inClusterRoot: config.inClusterRoot, env });
  } catch (error) {
    log.error('cannot load the Kubernetes configuration', { error });
    return 2;
  }
  const client = createNiroClient(config.url, { agentVersion: version });

  const enrollDeps: EnrollDeps = {
    kube,
    client,
    log: log.child({ loop: 'enroll' }),
    namespace: config.namespace,
    token: config.token,
    agentVersion: version,
    signal,
  };
  const stored = await obtainAgentKey(enrollDeps);
  if (!stored) return 0;
  const session = new AgentSession(stored.key, stored.clusterId);
  log.info('agent key ready', { clusterId: stored.clusterId });

  // A rejected key with a token at hand: the installer was re-run with a new token (e.g. the cluster
  // was deleted and created again). Try that token once per process — a spent token would only be
  // refused (and audited) again.
  let tokenTried = false;
  const reenroll = async (): Promise<boolean> => {
    if (!config.token || tokenTried) return false;
    tokenTried = true;
    const outcome = await exchangeToken(enrollDeps, config.token, 1);
    if (!outcome.ok) return false;
    session.replaceKey(outcome.stored.key, outcome.stored.clusterId);
    return true;
  };

  const common = { kube, client, session, agentVersion: version, signal };
  // One collection lists at a time (pods first): the start is the agent's memory peak, not the steady state.
  const listing = createListQueue();
  const view = config.watch ? startClusterView({ kube, log: log.child({ loop: 'watch' }), signal, listing }) : undefined;
  const workloads = startWatchCache({ kube, log: log.child({ loop: 'watch' }), signal, listing });
  await Promise.all([
    runHeartbeatLoop({
      ...common,
      log: log.child({ loop: 'heartbeat' }),
      namespace: config.namespace,
      maxPods: config.maxPods,
      reenroll,
      workloads,
      view,
      startManaged: () => startManagedView({ kube, log: log.child({ loop: 'managed' }), signal }),
    }),
    runCommandLoop({ ...common, log: log.child({ loop: 'commands' }), namespace: config.namespace }),
    runStreamLoop({ ...common, log: log.child({ loop: 'stream' }) }),
  ]);
  log.info('stopped');
  return 0;
}
