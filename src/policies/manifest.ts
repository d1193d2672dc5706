// Turning what the engine is given into its input: a parsed manifest (deployment builder, pull requests),
// a YAML stream of manifests, or a workload as ingest stored it (runtime).
import { parseAllDocuments } from 'yaml';
import type { Environment } from '../clusters/vocabulary';
import { list, obj, str, strings } from './pod-view';
import { POLICY_KINDS, type PolicyInput, type PolicyKind, type PolicyRegistry } from './vocabulary';

type Json = Record<string, unknown>;

function labelsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) if (typeof x === 'string') out[k] = x;
  return out;
}

/** The pod template of a workload object: Pod → itself, CronJob → its job's template, others → spec.template. */
function templateOf(kind: PolicyKind, doc: Json): PolicyInput['template'] | null {
  const spec = obj(doc.spec);
  const meta = (m: unknown) => ({ labels: labelsOf(obj(m).labels), annotations: labelsOf(obj(m).annotations) });
  if (kind === 'Pod') return doc.spec === undefined ? null : { ...meta(doc.metadata), spec };
  const tpl = kind === 'CronJob' ? obj(obj(obj(spec.jobTemplate).spec).template) : obj(spec.template);
  if (tpl.spec === undefined) return null;
  return { ...meta(tpl.metadata), spec: obj(tpl.spec) };
}

/**
 * One manifest object (already parsed from YAML or JSON) → the engine's input, or null when it is not a
 * kind with a pod template. Replicas default to 1 as the API server would; `namespace` fills in a
 * manifest that names none.
 */
export function policyInputFromManifest(
  doc: unknown,
  ctx: { environment: Environment; namespace?: string; hasPdb?: boolean; registries?: readonly PolicyRegistry[] },
): PolicyInput | null {
  const o = obj(doc);
  const kind = str(o.kind);
  if (!kind || !(POLICY_KINDS as readonly string[]).includes(kind)) return null;
  const k = kind as PolicyKind;
  const template = templateOf(k, o);
  if (!template) return null;
  const meta = obj(o.metadata);
  const replicas =
    k === 'Deployment' || k === 'StatefulSet' || k === 'ReplicaSet' ? (typeof obj(o.spec).replicas === 'number' ? (obj(o.spec).replicas as number) : 1) : null;
  return {
    kind: k,
    namespace: str(meta.namespace) ?? ctx.namespace ?? 'default',
    name: str(meta.name) ?? '',
    replicas,
    labels: labelsOf(meta.labels),
    template,
    hasPdb: ctx.hasPdb ?? false,
    environment: ctx.environment,
    ...(ctx.registries ? { registries: ctx.registries } : {}),
  };
}

/** Whether a label selector (matchLabels and matchExpressions) selects these labels; an empty selector selects all. */
export function selects(selector: unknown, labels: Record<string, string>): boolean {
  const s = obj(selector);
  for (const [k, v] of Object.entries(labelsOf(s.matchLabels))) if (labels[k] !== v) return false;
  for (const e of list(s.matchExpressions)) {
    const key = str(e.key) ?? '';
    const values = strings(e.values);
    const has = key in labels;
    const op = str(e.operator);
    if (op === 'In' && !(has && values.includes(labels[key]))) return false;
    if (op === 'NotIn' && has && values.includes(labels[key])) return false;
    if (op === 'Exists' && !has) return false;
    if (op === 'DoesNotExist' && has) return false;
  }
  return true;
}

export type YamlInputs = { inputs: PolicyInput[]; errors: string[] };

/**
 * Every workload of a multi-document YAML stream (`---` separated, `kind: List` items too). A
 * PodDisruptionBudget in the same stream and namespace counts for the workloads it selects.
 */
export function policyInputsFromYaml(text: string, ctx: { environment: Environment; namespace?: string; registries?: readonly PolicyRegistry[] }): YamlInputs {
  const errors: string[] = [];
  const objects: Json[] = [];
  for (const [n, d] of parseAllDocuments(text).entries()) {
    if (d.errors.length) {
      errors.push(`document ${n + 1}: ${d.errors[0].message}`);
      continue;
    }
    const o = obj(d.toJS());
    if (str(o.kind) === 'List') objects.push(...list(o.items));
    else if (Object.keys(o).length) objects.push(o);
  }
  const ns = (o: Json): string => str(obj(o.metadata).namespace) ?? ctx.namespace ?? 'default';
  const pdbs = objects.filter((o) => str(o.kind) === 'PodDisruptionBudget');
  const inputs: PolicyInput[] = [];
  for (const o of objects) {
    const input = policyInputFromManifest(o, ctx);
    if (!input) continue;
    input.hasPdb = pdbs.some((p) => ns(p) === input.namespace && selects(obj(p.spec).selector, input.template.labels));
    inputs.push(input);
  }
  return { inputs, errors };
}

/** A workload as ingest stores it (src/inventory/workloads.ts), structurally. */
export type WorkloadFacts = {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  namespace: string;
  name: string;
  desired: number;
  labels: Record<string, string>;
  template: { labels: Record<string, string>; spec: Record<string, unknown> } | null;
  hasPdb: boolean;
};

/** A stored workload → the engine's input; null until its template has arrived. */
export function policyInputFromWorkload(w: WorkloadFacts, environment: Environment): PolicyInput | null {
  if (!w.template) return null;
  return {
    kind: w.kind,
    namespace: w.namespace,
    name: w.name,
    replicas: w.kind === 'DaemonSet' ? null : w.desired,
    labels: w.labels,
    template: { labels: w.template.labels, spec: w.template.spec },
    hasPdb: w.hasPdb,
    environment,
  };
}
