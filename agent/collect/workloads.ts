// Deployments, StatefulSets and DaemonSets → the contract's WorkloadInfo (protocol 4): rollout counts, PDB
// coverage and the pod template the policy rules read. Pure: the watch cache hands in the objects it holds.
import { createHash } from 'node:crypto';
import type { PodTemplateFacts, WorkloadInfo, WorkloadKind } from '../../src/contract/index.ts';
import { LIMITS } from '../../src/contract/index.ts';
import type { AppsWorkload, LabelSelector, PodDisruptionBudget, PodTemplateSpec } from '../kube-objects.ts';
import { boundLabels } from './pods.ts';
import { clampText } from './text.ts';

/** The objects of one beat, by kind. */
export interface WorkloadObjects {
  deployments: readonly AppsWorkload[];
  statefulSets: readonly AppsWorkload[];
  daemonSets: readonly AppsWorkload[];
  /** null when PodDisruptionBudgets can't be read (forbidden): every workload then reports hasPdb false. */
  pdbs: readonly PodDisruptionBudget[] | null;
}

/** Container fields that may carry secrets (values, commands with credentials) and that no rule reads. */
const REDACTED_FIELDS = ['env', 'envFrom', 'command', 'args'] as const;
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

/** Whether a label selector selects these labels, as the API server evaluates matchLabels and matchExpressions. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const requirement of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, requirement.key);
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (!has || !values.includes(labels[requirement.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[requirement.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        // An operator the API server would have refused: select nothing rather than guess.
        return false;
    }
  }
  return true;
}

/** policy/v1: a null selector selects no pod, an empty one every pod of the namespace. */
export function pdbSelects(pdb: PodDisruptionBudget, namespace: string, labels: Record<string, string>): boolean {
  const selector = pdb.spec?.selector;
  return pdb.metadata.namespace === namespace && selector !== undefined && selector !== null && selectorMatches(selector, labels);
}

/** The template as the rules read it: labels (bounded) and the PodSpec without any container's env, envFrom, command or args. */
export function templateFacts(template: PodTemplateSpec | undefined): PodTemplateFacts {
  const spec: Record<string, unknown> = { ...(template?.spec ?? {}) };
  for (const list of CONTAINER_LISTS) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    spec[list] = containers.map((container: unknown) => {
      if (typeof container !== 'object' || container === null) return container;
      const copy: Record<string, unknown> = { ...(container as Record<string, unknown>) };
      for (const field of REDACTED_FIELDS) delete copy[field];
      return copy;
    });
  }
  return { labels: boundLabels(template?.metadata?.labels), spec };
}

/** JSON with object keys sorted at every level: equal values give equal text whatever order the API sent. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha-256 of the canonical JSON, first 32 hex digits: changes exactly when the template facts change. */
export function hashTemplate(facts: PodTemplateFacts): string {
  return createHash('sha256').update(canonicalJson(facts)).digest('hex').slice(0, 32);
}

const count = (value: number | undefined): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0);

/** A workload's template facts and their hash; the same while the object is (the watch cache replaces changed objects). */
type TemplateOf = { template: PodTemplateFacts; templateHash: string };

/** Template facts already worked out, by object: hashing every template every beat was a third of a quiet beat's CPU. */
export type TemplateFactsMemo = WeakMap<AppsWorkload, TemplateOf>;

function templateOf(object: AppsWorkload, memo: TemplateFactsMemo | undefined): TemplateOf {
  const known = memo?.get(object);
  if (known) return known;
  const template = templateFacts(object.spec?.template);
  const facts = { template, templateHash: hashTemplate(template) };
  memo?.set(object, facts);
  return facts;
}

/** One workload, always with its template: the heartbeat drops templates the server already has. */
export function mapWorkload(kind: WorkloadKind, object: AppsWorkload, pdbs: readonly PodDisruptionBudget[] | null, memo?: TemplateFactsMemo): WorkloadInfo {
  const namespace = object.metadata.namespace ?? '';
  const status = object.status ?? {};
  const daemon = kind === 'DaemonSet';
  const { template, templateHash } = templateOf(object, memo);
  const templateLabels = object.spec?.template?.metadata?.labels ?? {};
  const generation = object.metadata.generation;
  return {
    kind,
    namespace: clampText(namespace, LIMITS.name),
    name: clampText(object.metadata.name, LIMITS.name),
    // spec.replicas defaults to 1 when unset (the API server fills it in; a hand-made object may lack it).
    desired: daemon ? count(status.desiredNumberScheduled) : object.spec?.replicas === undefined ? 1 : count(object.spec.replicas),
    ready: count(daemon ? status.numberReady : status.readyReplicas),
    available: count(daemon ? status.numberAvailable : status.availableReplicas),
    updated: count(daemon ? status.updatedNumberScheduled : status.updatedReplicas),
    progressing: generation !== undefined && generation > (status.observedGeneration ?? 0),
    labels: boundLabels(object.metadata.labels),
    templateHash,
    template,
    hasPdb: (pdbs ?? []).some((pdb) => pdbSelects(pdb, namespace, templateLabels)),
  };
}

/** Below its desired ready count or mid-rollout: kept first when the list must be truncated. */
function needsAttention(workload: WorkloadInfo): boolean {
  return workload.ready < workload.desired || workload.progressing;
}

/** Every workload mapped, troubled ones first, then by namespace, kind and name; at most `max` of them. */
export function collectWorkloads(
  objects: WorkloadObjects,
  max: number = LIMITS.workloadsPerHeartbeat,
  memo?: TemplateFactsMemo,
): { workloads: WorkloadInfo[]; truncated: boolean } {
  const all: WorkloadInfo[] = [
    ...objects.deployments.map((o) => mapWorkload('Deployment', o, objects.pdbs, memo)),
    ...objects.statefulSets.map((o) => mapWorkload('StatefulSet', o, objects.pdbs, memo)),
    ...objects.daemonSets.map((o) => mapWorkload('DaemonSet', o, objects.pdbs, memo)),
  ];
  all.sort(
    (a, b) =>
      Number(needsAttention(b)) - Number(needsAttention(a)) ||
      a.namespace.localeCompare(b.namespace) ||
      a.kind.localeCompare(b.kind) ||
      a.name.localeCompare(b.name),
  );
  const cap = Math.max(0, Math.min(max, LIMITS.workloadsPerHeartbeat));
  return { workloads: all.slice(0, cap), truncated: all.length > cap };
}
