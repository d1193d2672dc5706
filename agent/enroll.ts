// Enrollment happens once per cluster: the single-use token is exchanged for a long-lived key, which is
// kept in a Secret so restarts (and upgrades) never need the token again.
import { PROTOCOL, type ClusterFacts } from '../src/contract/index.ts';
import { CONTROL_PLANE_BACKOFF, REJECTED_RETRY_MS, computeBackoffMs, sleep } from './backoff.ts';
import { detectDistribution } from './collect/snapshot.ts';
import type { KubeApi } from './kube-api.ts';
import type { Logger } from './log.ts';
import type { NiroClient } from './niro-client.ts';

export const KEY_SECRET = 'niro-agent-key';

export interface StoredKey {
  key: string;
  clusterId: string;
}

export interface EnrollDeps {
  kube: KubeApi;
  client: NiroClient;
  log: Logger;
  namespace: string;
  token: string | null;
  agentVersion: string;
  signal: AbortSignal;
}

/** The key kept by an earlier enrollment; null when there is none. Throws when the Secret can't be read. */
export async function readStoredKey(kube: KubeApi, namespace: string): Promise<StoredKey | null> {
  const secret = await kube.getSecret(namespace, KEY_SECRET);
  const encoded = secret?.data?.agentKey;
  if (!encoded) return null;
  const key = Buffer.from(encoded, 'base64').toString('utf8').trim();
  if (!key) return null;
  const clusterId = secret?.data?.clusterId ? Buffer.from(secret.data.clusterId, 'base64').toString('utf8') : '';
  return { key, clusterId };
}

async function readClusterFacts(kube: KubeApi): Promise<ClusterFacts | undefined> {
  try {
    const version = await kube.getVersion();
    return { k8sVersion: version.gitVersion, distribution: detectDistribution(version.gitVersion), platform: version.platform };
  } catch {
    return undefined;
  }
}

/**
 * Stores the key, retrying with backoff: the token is already spent, so losing the key would orphan
 * the cluster. After a few failures we carry on with the key in memory (the agent works until its next
 * restart) rather than block heartbeats.
 */
async function storeKey(deps: EnrollDeps, stored: StoredKey): Promise<void> {
  for (let attempt = 1; attempt <= 6 && !deps.signal.aborted; attempt++) {
    try {
      await deps.kube.writeSecret(deps.namespace, KEY_SECRET, { agentKey: stored.key, clusterId: stored.clusterId });
      deps.log.info('agent key stored', { secret: `${deps.namespace}/${KEY_SECRET}` });
      return;
    } catch (error) {
      deps.log.warn('cannot store the agent key yet', { secret: `${deps.namespace}/${KEY_SECRET}`, attempt, error });
      await sleep(computeBackoffMs(attempt, CONTROL_PLANE_BACKOFF), deps.signal);
    }
  }
  deps.log.error('agent key NOT stored: a restart of this agent will need a new enrollment token', {
    secret: `${deps.namespace}/${KEY_SECRET}`,
  });
}

export type ExchangeOutcome = { ok: true; stored: StoredKey } | { ok: false; rejected: boolean; retryAfterMs: number };

/** One attempt at exchanging the token for a key (stored on success). */
export async function exchangeToken(deps: EnrollDeps, token: string, attempt: number): Promise<ExchangeOutcome> {
  const result = await deps.client.enroll(
    { token, agentVersion: deps.agentVersion, protocol: PROTOCOL, clusterFacts: await readClusterFacts(deps.kube) },
    deps.signal,
  );
  if (result.ok) {
    const stored = { key: result.value.agentKey, clusterId: result.value.clusterId };
    deps.log.info('enrolled', { clusterId: stored.clusterId });
    await storeKey(deps, stored);
    return { ok: true, stored };
  }
  const { failure } = result;
  if (failure.kind === 'unauthorized') {
    deps.log.error('enrollment token rejected (expired, already used or unknown): create a new token for this cluster and re-run the installer', {
      status: failure.status,
    });
    return { ok: false, rejected: true, retryAfterMs: REJECTED_RETRY_MS };
  }
  deps.log.warn('enrollment failed, will retry', { status: failure.status, reason: failure.message, attempt });
  const retryAfterMs = failure.retryAfterSeconds !== undefined ? failure.retryAfterSeconds * 1000 : computeBackoffMs(attempt, CONTROL_PLANE_BACKOFF);
  return { ok: false, rejected: false, retryAfterMs };
}

/**
 * Returns the stored key, or enrolls with the token. Retries until it has a key; null only on abort.
 * The Secret is re-read before every attempt: another agent replica, or an operator, may have stored one.
 */
export async function obtainAgentKey(deps: EnrollDeps): Promise<StoredKey | null> {
  let attempt = 0;
  while (!deps.signal.aborted) {
    attempt++;
    let stored: StoredKey | null;
    try {
      stored = await readStoredKey(deps.kube, deps.namespace);
    } catch (error) {
      // Kubernetes API down or RBAC missing: wait for it, never crash-loop.
      deps.log.warn('cannot read the agent key Secret', { secret: `${deps.namespace}/${KEY_SECRET}`, attempt, error });
      await sleep(computeBackoffMs(attempt, CONTROL_PLANE_BACKOFF), deps.signal);
      continue;
    }
    if (stored) return stored;
    if (!deps.token) {
      deps.log.error('not enrolled: no agent key Secret and NIRO_TOKEN is empty; re-run the installer with NIRO_TOKEN', {
        secret: `${deps.namespace}/${KEY_SECRET}`,
      });
      await sleep(REJECTED_RETRY_MS, deps.signal);
      continue;
    }
    const outcome = await exchangeToken(deps, deps.token, attempt);
    if (outcome.ok) return outcome.stored;
    await sleep(outcome.retryAfterMs, deps.signal);
  }
  return null;
}
