// Self-update on the control plane's word: a heartbeat answer carrying `update` (protocol 5) makes the agent
// patch its own Deployment's image. Kubernetes then rolls the Deployment (the new pod starts before the old one
// stops, see deploy/agent/deployment.yaml) and the new agent heartbeats with the new version.
import type { Capabilities, HeartbeatResponse } from '../src/contract/index.ts';
import { AGENT_CONTAINER, AGENT_DEPLOYMENT } from './collect/capabilities.ts';
import type { KubeApi } from './kube-api.ts';
import type { Logger } from './log.ts';

export interface SelfUpdateDeps {
  kube: KubeApi;
  log: Logger;
  namespace: string;
  agentVersion: string;
}

/** What this process already did, so a rollout waiting for the new pod does not re-patch every beat. */
export interface SelfUpdateMemory {
  /** The image this process patched its Deployment to, or null. */
  patchedImage: string | null;
}

export type SelfUpdateOutcome = 'none' | 'patched' | 'already-patched' | 'capability-off' | 'same-version' | 'failed';

/**
 * Acts on one heartbeat answer. Only with the selfUpdate capability on (detected from RBAC in this very
 * beat): without the opt-in role the patch would be refused anyway, and the rollout's timeout says so.
 * A failed patch is retried at the next beat that still asks (the memory is only set on success).
 */
export async function applyUpdateRequest(
  deps: SelfUpdateDeps,
  memory: SelfUpdateMemory,
  capabilities: Capabilities,
  update: HeartbeatResponse['update'],
): Promise<SelfUpdateOutcome> {
  if (!update) return 'none';
  if (update.version === deps.agentVersion) return 'same-version';
  if (memory.patchedImage === update.image) return 'already-patched';
  if (!capabilities.selfUpdate.enabled) {
    deps.log.warn('self-update requested but the capability is off', { image: update.image, detectedBy: capabilities.selfUpdate.detectedBy });
    return 'capability-off';
  }
  if (/\s/.test(update.image)) {
    deps.log.warn('self-update refused: image contains whitespace', { image: update.image });
    return 'failed';
  }
  try {
    await deps.kube.patchOwnDeployment(deps.namespace, AGENT_DEPLOYMENT, AGENT_CONTAINER, update.image);
  } catch (error) {
    deps.log.warn('self-update patch failed; retrying at the next beat', { image: update.image, error: (error as Error).message });
    return 'failed';
  }
  memory.patchedImage = update.image;
  deps.log.info('self-update: deployment patched', {
    from: deps.agentVersion,
    to: update.version,
    image: update.image,
    deployment: `${deps.namespace}/${AGENT_DEPLOYMENT}`,
  });
  return 'patched';
}
