// niro-agent: wires configuration, Kubernetes access and the control-plane client into the loops.
//
// Environment (see config.ts): NIRO_URL (required), NIRO_TOKEN (until enrolled), NIRO_MAX_PODS,
// NIRO_LOG_LEVEL, NIRO_ENABLE_* (logged only: capabilities are detected from RBAC), NIRO_WATCH (default true;
// false re-lists pods, nodes and events every beat), POD_NAMESPACE (default niro-system), KUBECONFIG or in-cluster (KUBERNETES_SERVICE_HOST; NIRO_IN_CLUSTER_ROOT),
// NODE_EXTRA_CA_CERTS (read by Bun at start). `niro-agent --version` prints the version.
import { createLogger } from './log.ts';
import { runAgent } from './run.ts';
import { AGENT_VERSION } from './version.ts';

// Unexpected rejections are bugs; log them instead of dying, since every loop already retries on its own.
process.on('unhandledRejection', (reason) => {
  createLogger('error').error('unhandled rejection', { error: reason instanceof Error ? reason.stack : String(reason) });
});

process.exit(await runAgent(process.argv.slice(2), process.env, AGENT_VERSION));
