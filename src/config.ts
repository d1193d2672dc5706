import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pkg from '../package.json' with { type: 'json' };

/** The control plane's version (`niro --version`, the agent image's default tag). */
export const VERSION = pkg.version;

/** The image deploy/agent/Dockerfile builds (`docker build -t niro-agent:<version>`); set NIRO_AGENT_IMAGE to your registry's. */
export const DEFAULT_AGENT_IMAGE = `niro-agent:${VERSION}`;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type Config = {
  port: number;
  /** Postgres URL; null means the embedded PGlite database under dataDir. */
  databaseUrl: string | null;
  dataDir: string;
  /** Base URL users and agents reach us at, without a trailing slash. */
  publicUrl: string;
  /**
   * Server secret (≥ 32 characters). The key that encrypts secrets at rest (registry credentials,
   * notification channel secrets, Git tokens) is derived from it: see src/security/encryption.ts.
   * Never logged; changing it makes what was encrypted under the old one unreadable.
   */
  secret: string;
  logLevel: LogLevel;
  /** Seconds without a heartbeat before a cluster is Offline (Unknown comes at 2.5 × the interval). */
  offlineAfterSeconds: number;
  heartbeatIntervalSeconds: number;
  /** Pods kept per heartbeat; more are dropped and the cluster is marked truncated. */
  maxPodsPerHeartbeat: number;
  /** Largest request body accepted, after decompression, in bytes. */
  maxBodyBytes: number;
  /** Decompressed bytes all gzip bodies may hold at once on a replica (≥ maxBodyBytes); beyond it, 503. */
  inflateBudgetBytes: number;
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: boolean;
  /** How often the status job looks for clusters that stopped heartbeating. */
  statusCheckSeconds: number;
  /** Per-cluster heartbeat rate limit: sustained beats per minute, and the burst allowed above it. */
  heartbeatRatePerMinute: number;
  heartbeatBurst: number;
  /** Heartbeats one replica stores at once (of its 10 database connections), and how many may wait for a turn. */
  heartbeatsAtOnce: number;
  heartbeatQueue: number;
  /** A beat that waited longer than this for its turn is refused (503 overloaded) instead of stored late, in ms; 0: no limit. */
  heartbeatMaxWaitMs: number;
  /** How long the server holds an agent's empty command long-poll, in seconds (≤ 30, the contract's bound). */
  commandsPollSeconds: number;
  /** Agent image written into the served install.sh, and the image self-update rollouts roll agents to. */
  agentImage: string;
  /** The agent version that image runs: clusters reporting another version show "update available". */
  agentVersion: string;
  /** A cluster told to self-update that has not heartbeated with the new version within this long pauses its rollout. */
  rolloutTimeoutSeconds: number;
  /** The bearer token Prometheus presents to GET /metrics; null: /metrics is off. Never logged. */
  metricsToken: string | null;
  /** Bounds of live log streams (src/streams). */
  streams: StreamLimits;
  /** How often the notification router and delivery worker run, in seconds. */
  notifyIntervalSeconds: number;
  /** The longest one outbound notification call (HTTP request, SMTP step) may take, in seconds. */
  notifyTimeoutSeconds: number;
  /** Deployments from Git (src/gitops). */
  gitops: GitopsConfig;
};

/** How the control plane fetches and renders Git sources. */
export type GitopsConfig = {
  /** kubectl, which renders kustomizations (`kubectl kustomize`); null: kustomizations are refused, plain YAML works. */
  kubectlPath: string | null;
  /** Whether sources may be file:// URLs (repositories on the control plane's own disk: off unless you mean it). */
  allowFileUrls: boolean;
  /** The longest one git command or one render may run, in seconds. */
  timeoutSeconds: number;
  /** The most bytes one checkout may take on disk. */
  maxRepoBytes: number;
  /** How often this replica looks for sources due a sync, in seconds. */
  pollSeconds: number;
  /** Syncs one replica runs at once. */
  concurrency: number;
};

/** Every live log stream is bounded: beyond a cap the viewer is told it was throttled or ended. */
export type StreamLimits = {
  /** Open streams per cluster and per organization (a new one beyond is refused with 429). */
  perCluster: number;
  perOrg: number;
  /** A stream ends once it has carried this many bytes or lines. */
  maxBytes: number;
  maxLines: number;
  /** Sustained lines per second per stream; above it lines are dropped and counted ("stream throttled"). */
  linesPerSecond: number;
  /** Longer lines are cut, with a marker saying how much was dropped. */
  maxLineChars: number;
  /** Lines each replica keeps per stream for resuming (Last-Event-ID) and slow viewers. */
  bufferLines: number;
  bufferBytes: number;
  /** A stream with no output for this long ends. */
  idleSeconds: number;
  /** A stream nobody watches (no SSE connection on any replica) for this long ends. */
  detachSeconds: number;
  /** A stream no agent picked up within this long ends ("the cluster's agent is not connected"). */
  startSeconds: number;
};

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

function readInt(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number, errors: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    errors.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return fallback;
  }
  return n;
}

/** How long a heartbeat may wait for its turn by default (NIRO_HEARTBEAT_MAX_WAIT_MS), in ms. */
export const DEFAULT_HEARTBEAT_MAX_WAIT_MS = 1000;

/** Reads and validates the environment; every bad variable is named in `errors`. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ConfigResult {
  const errors: string[] = [];
  const port = readInt(env, 'PORT', 3000, 0, 65535, errors);

  let databaseUrl: string | null = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    errors.push('DATABASE_URL must start with postgres:// or postgresql://');
    databaseUrl = null;
  }
  const dataDir = env.NIRO_DATA_DIR?.trim() || './data';

  let publicUrl = (env.NIRO_PUBLIC_URL?.trim() || `http://localhost:${port || 3000}`).replace(/\/+$/, '');
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    errors.push(`NIRO_PUBLIC_URL must be an http(s) URL (got "${env.NIRO_PUBLIC_URL}")`);
    publicUrl = 'http://localhost:3000';
  }

  const logLevel = (env.NIRO_LOG_LEVEL?.trim() || 'info') as LogLevel;
  if (!LEVELS.includes(logLevel)) errors.push(`NIRO_LOG_LEVEL must be one of ${LEVELS.join(', ')}`);

  let secret = env.NIRO_SECRET?.trim() || '';
  if (secret && secret.length < 32) errors.push('NIRO_SECRET must be at least 32 characters');
  if (!secret && databaseUrl) errors.push('NIRO_SECRET is required with DATABASE_URL (replicas must share it)');

  const heartbeatIntervalSeconds = readInt(env, 'NIRO_HEARTBEAT_INTERVAL', 15, 2, 600, errors);
  const offlineAfterSeconds = readInt(env, 'NIRO_OFFLINE_AFTER', 300, 5, 86400, errors);
  const maxPodsPerHeartbeat = readInt(env, 'NIRO_MAX_PODS_PER_HEARTBEAT', 5000, 1, 50000, errors);
  const maxBodyBytes = readInt(env, 'NIRO_MAX_BODY_BYTES', 16 * 1024 * 1024, 1024, 256 * 1024 * 1024, errors);
  // At least one body at the limit must fit; by default two do, so the largest never shuts out the rest.
  const inflateBudgetBytes = readInt(env, 'NIRO_INFLATE_BUDGET_BYTES', 2 * maxBodyBytes, maxBodyBytes, 4 * 1024 * 1024 * 1024, errors);

  const statusCheckSeconds = readInt(env, 'NIRO_STATUS_CHECK_SECONDS', 5, 1, 300, errors);
  const heartbeatRatePerMinute = readInt(env, 'NIRO_HEARTBEAT_RATE_PER_MINUTE', 12, 1, 1_000_000, errors);
  const heartbeatBurst = readInt(env, 'NIRO_HEARTBEAT_BURST', 10, 1, 1_000_000, errors);
  const heartbeatsAtOnce = readInt(env, 'NIRO_HEARTBEATS_AT_ONCE', 8, 1, 1000, errors);
  const heartbeatQueue = readInt(env, 'NIRO_HEARTBEAT_QUEUE', 500, 0, 1_000_000, errors);
  // A beat that finds every turn held waits before its body is read, so refusing it after the wait costs a key check;
  // without a longest wait, a line that stands makes every beat taken wait as long as the whole line (docs/scale.md).
  const heartbeatMaxWaitMs = readInt(env, 'NIRO_HEARTBEAT_MAX_WAIT_MS', DEFAULT_HEARTBEAT_MAX_WAIT_MS, 0, 60_000, errors);

  const commandsPollSeconds = readInt(env, 'NIRO_COMMANDS_POLL_SECONDS', 30, 1, 30, errors);
  const agentImage = env.NIRO_AGENT_IMAGE?.trim() || DEFAULT_AGENT_IMAGE;
  if (!/^[A-Za-z0-9][A-Za-z0-9._\/:@-]*$/.test(agentImage))
    errors.push(`NIRO_AGENT_IMAGE must be an image reference such as registry.example.com/niro/agent:1.0 (got "${agentImage}")`);
  // The version defaults to the server's own, as the default image's tag does; an image from another
  // release (NIRO_AGENT_IMAGE=…:0.3.0) needs its version said too, since a tag is only a name.
  const agentVersion = env.NIRO_AGENT_VERSION?.trim() || VERSION;
  if (!/^[A-Za-z0-9][A-Za-z0-9.+_-]{0,127}$/.test(agentVersion)) errors.push(`NIRO_AGENT_VERSION must be a version such as 0.2.0 (got "${agentVersion}")`);
  const rolloutTimeoutSeconds = readInt(env, 'NIRO_ROLLOUT_TIMEOUT_SECONDS', 600, 30, 86_400, errors);
  const metricsToken = env.NIRO_METRICS_TOKEN?.trim() || null;
  if (metricsToken !== null && (metricsToken.length < 16 || !/^[\x21-\x7e]+$/.test(metricsToken)))
    errors.push('NIRO_METRICS_TOKEN must be at least 16 printable characters without spaces');

  const streams: StreamLimits = {
    perCluster: readInt(env, 'NIRO_LOG_STREAMS_PER_CLUSTER', 10, 1, 10_000, errors),
    perOrg: readInt(env, 'NIRO_LOG_STREAMS_PER_ORG', 50, 1, 100_000, errors),
    maxBytes: readInt(env, 'NIRO_LOG_STREAM_MAX_BYTES', 256 * 1024 * 1024, 1024, 64 * 1024 * 1024 * 1024, errors),
    maxLines: readInt(env, 'NIRO_LOG_STREAM_MAX_LINES', 2_000_000, 10, 1_000_000_000, errors),
    linesPerSecond: readInt(env, 'NIRO_LOG_STREAM_LINES_PER_SECOND', 20_000, 1, 1_000_000, errors),
    maxLineChars: readInt(env, 'NIRO_LOG_MAX_LINE_CHARS', 64 * 1024, 256, 1024 * 1024, errors),
    bufferLines: readInt(env, 'NIRO_LOG_STREAM_BUFFER_LINES', 10_000, 100, 1_000_000, errors),
    bufferBytes: readInt(env, 'NIRO_LOG_STREAM_BUFFER_BYTES', 4 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024, errors),
    idleSeconds: readInt(env, 'NIRO_LOG_STREAM_IDLE_SECONDS', 900, 1, 86_400, errors),
    detachSeconds: readInt(env, 'NIRO_LOG_STREAM_DETACH_SECONDS', 30, 1, 3600, errors),
    startSeconds: readInt(env, 'NIRO_LOG_STREAM_START_SECONDS', 20, 1, 600, errors),
  };

  const notifyIntervalSeconds = readInt(env, 'NIRO_NOTIFY_INTERVAL_SECONDS', 2, 1, 60, errors);
  const notifyTimeoutSeconds = readInt(env, 'NIRO_NOTIFY_TIMEOUT_SECONDS', 10, 1, 60, errors);

  const kubectlRaw = env.NIRO_KUBECTL?.trim() ?? '';
  const gitops: GitopsConfig = {
    // 'none' switches kustomize rendering off; empty means kubectl on the PATH.
    kubectlPath: kubectlRaw === 'none' ? null : kubectlRaw || 'kubectl',
    allowFileUrls: env.NIRO_GIT_ALLOW_FILE_URLS?.trim() === '1',
    timeoutSeconds: readInt(env, 'NIRO_GIT_TIMEOUT_SECONDS', 60, 1, 3600, errors),
    maxRepoBytes: readInt(env, 'NIRO_GIT_MAX_REPO_MB', 100, 1, 100_000, errors) * 1024 * 1024,
    pollSeconds: readInt(env, 'NIRO_GIT_POLL_SECONDS', 10, 1, 600, errors),
    concurrency: readInt(env, 'NIRO_GIT_CONCURRENCY', 4, 1, 64, errors),
  };
  if (!['', '0', '1'].includes(env.NIRO_GIT_ALLOW_FILE_URLS?.trim() ?? '')) errors.push('NIRO_GIT_ALLOW_FILE_URLS must be 0 or 1');

  const trustProxyRaw = env.NIRO_TRUST_PROXY?.trim() || '0';
  if (trustProxyRaw !== '0' && trustProxyRaw !== '1') errors.push('NIRO_TRUST_PROXY must be 0 or 1');
  const trustProxy = trustProxyRaw === '1';

  if (errors.length) return { ok: false, errors };
  if (!secret) secret = loadOrCreateSecret(dataDir);
  return {
    ok: true,
    config: {
      port,
      databaseUrl,
      dataDir,
      publicUrl,
      secret,
      logLevel,
      heartbeatIntervalSeconds,
      offlineAfterSeconds,
      maxPodsPerHeartbeat,
      maxBodyBytes,
      inflateBudgetBytes,
      trustProxy,
      statusCheckSeconds,
      heartbeatRatePerMinute,
      heartbeatBurst,
      heartbeatsAtOnce,
      heartbeatQueue,
      heartbeatMaxWaitMs,
      commandsPollSeconds,
      agentImage,
      agentVersion,
      rolloutTimeoutSeconds,
      metricsToken,
      streams,
      notifyIntervalSeconds,
      notifyTimeoutSeconds,
      gitops,
    },
  };
}

/** The embedded default keeps a generated secret in the data dir so restarts can still open encrypted secrets. */
function loadOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}
