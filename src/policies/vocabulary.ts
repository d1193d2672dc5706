// The words a policy finding is described with, and the input every rule reads. Pure (no db, no config):
// the rule engine, the store, the routes and the views share them.
import type { Environment } from '../clusters/vocabulary';
import type { Severity } from './severity';

export { SEVERITIES, SEVERITY_BY_ENVIRONMENT, type Severity } from './severity';

export const POLICY_CATEGORIES = ['security', 'reliability', 'efficiency'] as const;
export type PolicyCategory = (typeof POLICY_CATEGORIES)[number];

/** Every rule's id, in the order the catalogue lists them. Stored in findings, toggles and waivers: never rename one. */
export const RULE_IDS = [
  'privileged',
  'host-namespaces',
  'host-path-volumes',
  'host-ports',
  'host-process',
  'privilege-escalation',
  'run-as-non-root',
  'run-as-uid-0',
  'dangerous-capabilities',
  'capabilities-drop-all',
  'seccomp-profile',
  'apparmor-profile',
  'selinux-options',
  'proc-mount',
  'unsafe-sysctls',
  'restricted-volume-types',
  'read-only-root-filesystem',
  'automount-service-account-token',
  'cpu-requests',
  'memory-requests',
  'memory-limit',
  'liveness-probe',
  'readiness-probe',
  'image-tag',
  'image-pull-policy',
  'registry-pull-secret',
  'single-replica',
  'pod-disruption-budget',
  'topology-spread',
  'priority-class',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export function isRuleId(s: string): s is RuleId {
  return (RULE_IDS as readonly string[]).includes(s);
}

/** Kinds the engine understands: a workload's pod template, or a bare Pod. */
export const POLICY_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

/**
 * What every rule reads: one pod template and the workload around it. The same shape comes from a
 * heartbeat's workload (runtime), a manifest in the deployment builder, or a file of a pull request.
 */
export type PolicyInput = {
  kind: PolicyKind;
  namespace: string;
  name: string;
  /** Desired replicas; null for kinds that have no such count (DaemonSet, Job, CronJob, Pod). */
  replicas: number | null;
  /** The workload's own labels (metadata.labels). */
  labels: Record<string, string>;
  /**
   * The pod template: its labels, its annotations (manifests only: the agent does not send them, so the
   * annotation forms of a rule check only at build and PR time) and the Kubernetes PodSpec as JSON.
   */
  template: { labels: Record<string, string>; annotations?: Record<string, string>; spec: Record<string, unknown> };
  /** A PodDisruptionBudget selects the template's labels. */
  hasPdb: boolean;
  environment: Environment;
  /**
   * Registries Niro holds credentials for, usable where this workload is built (the org's and its ancestors'):
   * the host images name and the pull Secret Niro delivers. Build time only (the builder, imports); absent at
   * runtime, where the rules that read it stay silent.
   */
  registries?: readonly PolicyRegistry[];
};

/** A registry credential as a rule sees it: `server` as images name it (src/registries/credentials.ts). */
export type PolicyRegistry = { server: string; secretName: string };

/** A rule's verdict on one input: which containers (empty for pod-level rules) and what exactly is wrong. */
export type Violation = { message: string; containers: string[] };

/** One rule's finding for one input: the rule's words with the severity the environment gives it. */
export type PolicyFinding = {
  ruleId: RuleId;
  category: PolicyCategory;
  severity: Severity;
  title: string;
  message: string;
  containers: string[];
};

/** The subject of a workload everywhere: "namespace/Kind/name". */
export function workloadSubject(w: { namespace: string; kind: string; name: string }): string {
  return `${w.namespace}/${w.kind}/${w.name}`;
}

/** Namespaces exempt from every rule unless an organization sets its own list. */
export const DEFAULT_EXEMPT_NAMESPACES = ['kube-system', 'niro-system'] as const;
