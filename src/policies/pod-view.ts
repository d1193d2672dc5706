// Reading a PodSpec the way Kubernetes applies it. The spec is untrusted JSON (from an agent, a manifest
// or a pull request), so every field is read defensively: a wrong type counts as "not set".

type Json = Record<string, unknown>;

export type ContainerType = 'container' | 'init' | 'ephemeral';

/** One container with the securityContext fields that matter, each already resolved against the pod's. */
export type ContainerView = {
  name: string;
  type: ContainerType;
  raw: Json;
  /** The container's own securityContext ({} when absent). */
  sc: Json;
};

export function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

export function list(v: unknown): Json[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Every container of the pod, app containers first, then init, then ephemeral (debug) containers. */
export function containersOf(spec: Json): ContainerView[] {
  const out: ContainerView[] = [];
  const add = (field: string, type: ContainerType): void => {
    for (const c of list(spec[field])) out.push({ name: str(c.name) ?? '(unnamed)', type, raw: c, sc: obj(c.securityContext) });
  };
  add('containers', 'container');
  add('initContainers', 'init');
  add('ephemeralContainers', 'ephemeral');
  return out;
}

export function podSecurityContext(spec: Json): Json {
  return obj(spec.securityContext);
}

/**
 * A field that exists at both levels (runAsUser, runAsNonRoot, seccompProfile, seLinuxOptions, appArmorProfile):
 * the container's value when it sets one, else the pod's — the precedence Kubernetes applies.
 */
export function effective(c: ContainerView, spec: Json, field: string): unknown {
  const own = c.sc[field];
  return own !== undefined && own !== null ? own : podSecurityContext(spec)[field];
}

/** "name (init)" for messages, so an operator knows where to look. */
export function label(c: ContainerView): string {
  return c.type === 'container' ? c.name : `${c.name} (${c.type})`;
}

/** Containers whose resources can be set (ephemeral containers cannot have any). */
export function resourceContainers(spec: Json): ContainerView[] {
  return containersOf(spec).filter((c) => c.type !== 'ephemeral');
}

/** A message naming the containers: `container "a"` / `containers "a", "b"`. */
export function naming(cs: ContainerView[]): string {
  const names = cs.map((c) => `"${label(c)}"`).join(', ');
  return cs.length === 1 ? `container ${names}` : `containers ${names}`;
}
