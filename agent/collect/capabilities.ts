// Capabilities are detected from what RBAC allows right now (SelfSubjectAccessReview), never assumed
// from installer flags: an operator may grant or revoke a role at any time, and the next heartbeat says so.
import type { Capabilities, Capability, CapabilityName } from '../../src/contract/index.ts';
import type { KubeApi, ResourceAttributes } from '../kube-api.ts';

/** The agent's own Deployment, which self-update patches. */
export const AGENT_DEPLOYMENT = 'niro-agent';
export const AGENT_CONTAINER = 'niro-agent';

type ReviewedCapability = Exclude<CapabilityName, 'podMetrics'>;

/** The access each capability needs; one representative review per capability keeps a beat cheap. */
export function describeCapabilityCheck(name: ReviewedCapability, namespace: string): ResourceAttributes {
  switch (name) {
    case 'pods':
      return { verb: 'list', resource: 'pods' };
    case 'logs':
      return { verb: 'get', resource: 'pods', subresource: 'log' };
    case 'apply':
      return { verb: 'patch', group: 'apps', resource: 'deployments' };
    case 'selfUpdate':
      return { verb: 'patch', group: 'apps', resource: 'deployments', namespace, name: AGENT_DEPLOYMENT };
  }
}

function describeAttributes(a: ResourceAttributes): string {
  const resource = [a.resource, a.subresource].filter(Boolean).join('/') + (a.group ? `.${a.group}` : '');
  const scope = a.namespace ? ` in ${a.namespace}` : '';
  return `SelfSubjectAccessReview ${a.verb} ${resource}${a.name ? ` ${a.name}` : ''}${scope}`;
}

/** Asks the API server whether one capability's access is granted. A failed review counts as not granted. */
export async function detectCapability(kube: KubeApi, name: ReviewedCapability, namespace: string): Promise<Capability> {
  const attributes = describeCapabilityCheck(name, namespace);
  const detectedBy = describeAttributes(attributes);
  try {
    return { enabled: await kube.reviewAccess(attributes), detectedBy };
  } catch (error) {
    return { enabled: false, detectedBy: `${detectedBy} failed: ${(error as Error).message}`.slice(0, 256) };
  }
}

/**
 * Detects all capabilities. Pod metrics are judged by the metrics call this beat already made
 * (`podMetricsServed`): served means enabled; otherwise a review tells "forbidden" from "absent".
 */
export async function detectCapabilities(kube: KubeApi, namespace: string, podMetricsServed: boolean): Promise<Capabilities> {
  const [pods, logs, apply, selfUpdate, podMetrics] = await Promise.all([
    detectCapability(kube, 'pods', namespace),
    detectCapability(kube, 'logs', namespace),
    detectCapability(kube, 'apply', namespace),
    detectCapability(kube, 'selfUpdate', namespace),
    detectPodMetrics(kube, podMetricsServed),
  ]);
  return { pods, logs, apply, selfUpdate, podMetrics };
}

async function detectPodMetrics(kube: KubeApi, served: boolean): Promise<Capability> {
  if (served) return { enabled: true, detectedBy: 'metrics.k8s.io pods list succeeded' };
  const allowed = await kube.reviewAccess({ verb: 'list', group: 'metrics.k8s.io', resource: 'pods' }).catch(() => null);
  if (allowed === false) return { enabled: false, detectedBy: 'SelfSubjectAccessReview list pods.metrics.k8s.io denied' };
  return { enabled: false, detectedBy: 'metrics.k8s.io not served (metrics-server absent or unavailable)' };
}
