// Agent configuration from the environment (set by deploy/agent/deployment.yaml and install.sh).
import { LIMITS } from '../src/contract/index.ts';
import { isLogLevel, type LogLevel } from './log.ts';

export interface AgentConfig {
  /** Control-plane base URL, without a trailing slash. */
  url: string;
  /** Enrollment token; only needed until the key Secret exists. */
  token: string | null;
  /** Pods sent per heartbeat at most (the server may ask for fewer). */
  maxPods: number;
  /** NIRO_WATCH (default true): keep pods, nodes, events and owners by watches; false re-lists them every beat. */
  watch: boolean;
  logLevel: LogLevel;
  /** The agent's namespace: its key Secret and Deployment live here. */
  namespace: string;
  /** KUBECONFIG path; null means in-cluster configuration. */
  kubeconfig: string | null;
  /**
   * NIRO_IN_CLUSTER_ROOT: directory under which the in-cluster service-account files
   * (var/run/secrets/kubernetes.io/serviceaccount/) are read; null = the filesystem root, as in a pod.
   * For running the agent outside a pod with a projected token, e.g. on a node or against a simulator.
   */
  inClusterRoot: string | null;
  /**
   * What the installer asked for (NIRO_ENABLE_*), for logging only: capabilities are detected from
   * RBAC each heartbeat, so a role granted or revoked by hand is reported truthfully. null = not set.
   */
  requested: { pods: boolean | null; logs: boolean | null; apply: boolean | null; selfUpdate: boolean | null };
}

export type ConfigResult = { ok: true; config: AgentConfig } | { ok: false; error: string };

function readFlag(value: string | undefined): boolean | null {
  if (value === undefined || value === '') return null;
  return value === '1' || value.toLowerCase() === 'true';
}

/** Reads and validates the environment. Errors name the variable. */
export function readConfig(env: Record<string, string | undefined>): ConfigResult {
  const rawUrl = env.NIRO_URL?.trim();
  if (!rawUrl) return { ok: false, error: 'NIRO_URL is not set (the control plane URL, e.g. https://niro.example.com)' };
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, error: `NIRO_URL is not a URL: ${rawUrl}` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, error: `NIRO_URL must be http(s): ${rawUrl}` };
  }

  let maxPods: number = LIMITS.podsPerHeartbeat;
  if (env.NIRO_MAX_PODS) {
    const parsed = Number(env.NIRO_MAX_PODS);
    if (!Number.isInteger(parsed) || parsed < 0) return { ok: false, error: `NIRO_MAX_PODS must be a whole number: ${env.NIRO_MAX_PODS}` };
    maxPods = Math.min(parsed, LIMITS.podsPerHeartbeat);
  }

  const logLevel = (env.NIRO_LOG_LEVEL || 'info').toLowerCase();
  if (!isLogLevel(logLevel)) return { ok: false, error: `NIRO_LOG_LEVEL must be debug, info, warn or error: ${env.NIRO_LOG_LEVEL}` };

  return {
    ok: true,
    config: {
      url: url.toString().replace(/\/+$/, ''),
      token: env.NIRO_TOKEN?.trim() || null,
      maxPods,
      watch: readFlag(env.NIRO_WATCH) ?? true,
      logLevel,
      namespace: env.POD_NAMESPACE?.trim() || 'niro-system',
      kubeconfig: env.KUBECONFIG?.trim() || null,
      inClusterRoot: env.NIRO_IN_CLUSTER_ROOT?.trim().replace(/\/+$/, '') || null,
      requested: {
        pods: readFlag(env.NIRO_ENABLE_PODS),
        logs: readFlag(env.NIRO_ENABLE_LOGS),
        apply: readFlag(env.NIRO_ENABLE_APPLY),
        selfUpdate: readFlag(env.NIRO_ENABLE_SELF_UPDATE),
      },
    },
  };
}
