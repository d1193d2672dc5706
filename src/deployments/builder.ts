// The deployment builder: a form (one TypeBox schema, the same for the JSON API and the HTML form) → the
// Kubernetes objects it means → multi-document YAML. Pure: no db, no config. Validation names the field as the
// client sent it (`ports.0.containerPort`); the HTML form's inputs carry those same names.
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { stringify } from 'yaml';
import { pullSecretPlaceholder } from '../registries/credentials';

export const MAX_PORTS = 20;
export const MAX_ENV = 100;
export const MAX_EXEC_ARGS = 20;
export const MAX_REGISTRIES = 10;
export const MAX_REPLICAS = 1000;

const Name = (description: string) => Type.String({ maxLength: 253, description });
const Seconds = (max: number) => Type.Optional(Type.Integer({ minimum: 0, maximum: max }));

export const ProbeForm = Type.Object(
  {
    type: Type.Union([Type.Literal('http'), Type.Literal('tcp'), Type.Literal('exec')], {
      description: 'http (GET path on port), tcp (connect to port) or exec',
    }),
    path: Type.Optional(Type.String({ maxLength: 1024, description: 'http: the path to GET, starting with /' })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'http and tcp: the container port' })),
    command: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: MAX_EXEC_ARGS, description: 'exec: the command and its arguments' })),
    initialDelaySeconds: Seconds(3600),
    periodSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    failureThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
export type ProbeForm = Static<typeof ProbeForm>;

const Quantities = Type.Object(
  {
    cpu: Type.Optional(Type.String({ maxLength: 32, description: 'e.g. 100m or 0.5' })),
    memory: Type.Optional(Type.String({ maxLength: 32, description: 'e.g. 128Mi' })),
  },
  { additionalProperties: false },
);

/** The builder's form. Everything but name, namespace and image is optional. */
export const BuilderForm = Type.Object(
  {
    name: Name('DNS-1123 label: the Deployment’s, Service’s and Ingress’s name'),
    namespace: Name('DNS-1123 label: where every object goes'),
    image: Type.String({ maxLength: 512, description: 'Container image, e.g. ghcr.io/acme/web:1.4.2' }),
    replicas: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_REPLICAS, description: 'Default 1' })),
    ports: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.Optional(Type.String({ maxLength: 15, description: 'IANA service name (lower-case, ≤ 15)' })),
            containerPort: Type.Integer({ minimum: 1, maximum: 65535 }),
            protocol: Type.Optional(Type.Union([Type.Literal('TCP'), Type.Literal('UDP')])),
          },
          { additionalProperties: false },
        ),
        { maxItems: MAX_PORTS },
      ),
    ),
    env: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ maxLength: 253 }),
            value: Type.Optional(Type.String({ maxLength: 32_768, description: 'A plain value' })),
            secretName: Type.Optional(Name('Or: the Secret (same namespace) holding the value')),
            secretKey: Type.Optional(Type.String({ maxLength: 253, description: '… and its key' })),
          },
          { additionalProperties: false },
        ),
        { maxItems: MAX_ENV },
      ),
    ),
    resources: Type.Optional(Type.Object({ requests: Type.Optional(Quantities), limits: Type.Optional(Quantities) }, { additionalProperties: false })),
    livenessProbe: Type.Optional(ProbeForm),
    readinessProbe: Type.Optional(ProbeForm),
    service: Type.Optional(
      Type.Object(
        {
          port: Type.Integer({ minimum: 1, maximum: 65535, description: 'The port the Service listens on' }),
          targetPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'The container port it forwards to (default: the first port)' })),
          type: Type.Optional(Type.Union([Type.Literal('ClusterIP'), Type.Literal('NodePort'), Type.Literal('LoadBalancer')])),
        },
        { additionalProperties: false },
      ),
    ),
    ingress: Type.Optional(
      Type.Object(
        {
          host: Type.String({ maxLength: 253, description: 'Host name routed to the Service' }),
          path: Type.Optional(Type.String({ maxLength: 1024, description: 'Path prefix (default /)' })),
          className: Type.Optional(Type.String({ maxLength: 253, description: 'IngressClass (default: the cluster’s default, e.g. traefik on k3s)' })),
        },
        { additionalProperties: false },
      ),
    ),
    registries: Type.Optional(
      Type.Array(Type.String({ maxLength: 64 }), { maxItems: MAX_REGISTRIES, description: 'Ids of the org’s registries to pull with (imagePullSecrets)' }),
    ),
  },
  { additionalProperties: false },
);
export type BuilderForm = Static<typeof BuilderForm>;

const checkForm = TypeCompiler.Compile(BuilderForm);

/** A registry the form may name: its id, and the name its pull Secret takes. */
export type BuilderRegistry = { id: string; name: string; server: string };

export type BuildResult = { ok: true; form: BuilderForm; objects: Record<string, unknown>[]; yaml: string } | { ok: false; field: string; message: string };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IANA_SVC_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** host[:port]/path[:tag][@digest], lower-case repository as the distribution spec wants. */
const IMAGE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const CPU = /^(?:[0-9]+m|[0-9]+(?:\.[0-9]{1,3})?)$/;
const MEMORY = /^[0-9]+(?:\.[0-9]+)?(?:Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/** CPU in millicores, memory in bytes (enough to compare a request with a limit). */
function quantity(kind: 'cpu' | 'memory', q: string): number {
  if (kind === 'cpu') return q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000;
  const m = /^([0-9.]+)(.*)$/.exec(q)!;
  return Number(m[1]) * MEMORY_UNITS[m[2]];
}

type Problem = { field: string; message: string };

function semanticProblem(f: BuilderForm, registries: readonly BuilderRegistry[]): Problem | null {
  if (!DNS_LABEL.test(f.name) || f.name.length > 63) return { field: 'name', message: 'lower-case letters, digits and ‘-’, at most 63 characters' };
  if (!DNS_LABEL.test(f.namespace) || f.namespace.length > 63)
    return { field: 'namespace', message: 'lower-case letters, digits and ‘-’, at most 63 characters' };
  if (f.image.trim() === '') return { field: 'image', message: 'required' };
  if (!IMAGE.test(f.image)) return { field: 'image', message: 'not an image reference (e.g. ghcr.io/acme/web:1.4.2)' };
  const ports = f.ports ?? [];
  const seenPorts = new Set<string>();
  const portNames = new Set<string>();
  for (const [i, p] of ports.entries()) {
    const key = `${p.containerPort}/${p.protocol ?? 'TCP'}`;
    if (seenPorts.has(key)) return { field: `ports.${i}.containerPort`, message: `${key} is listed twice` };
    seenPorts.add(key);
    if (p.name !== undefined && p.name !== '') {
      if (!IANA_SVC_NAME.test(p.name) || !/[a-z]/.test(p.name))
        return { field: `ports.${i}.name`, message: 'lower-case letters, digits and ‘-’ (at least one letter), at most 15' };
      if (portNames.has(p.name)) return { field: `ports.${i}.name`, message: `"${p.name}" is used twice` };
      portNames.add(p.name);
    }
  }
  const envNames = new Set<string>();
  for (const [i, e] of (f.env ?? []).entries()) {
    if (!ENV_NAME.test(e.name)) return { field: `env.${i}.name`, message: 'letters, digits, ‘_’, ‘-’ and ‘.’, not starting with a digit' };
    if (envNames.has(e.name)) return { field: `env.${i}.name`, message: `"${e.name}" is set twice` };
    envNames.add(e.name);
    const fromSecret = e.secretName !== undefined || e.secretKey !== undefined;
    if (fromSecret && e.value !== undefined) return { field: `env.${i}.value`, message: 'give a value or a Secret key, not both' };
    if (fromSecret) {
      if (!e.secretName || !DNS_SUBDOMAIN.test(e.secretName)) return { field: `env.${i}.secretName`, message: 'the name of a Secret (lower-case DNS name)' };
      if (!e.secretKey || !SECRET_KEY.test(e.secretKey))
        return { field: `env.${i}.secretKey`, message: 'a key of the Secret (letters, digits, ‘-’, ‘_’, ‘.’)' };
    }
  }
  for (const side of ['requests', 'limits'] as const) {
    const q = f.resources?.[side];
    if (q?.cpu !== undefined && !CPU.test(q.cpu)) return { field: `resources.${side}.cpu`, message: 'a CPU quantity such as 100m or 0.5' };
    if (q?.memory !== undefined && !MEMORY.test(q.memory)) return { field: `resources.${side}.memory`, message: 'a memory quantity such as 128Mi or 1Gi' };
  }
  for (const kind of ['cpu', 'memory'] as const) {
    const req = f.resources?.requests?.[kind];
    const lim = f.resources?.limits?.[kind];
    if (req !== undefined && lim !== undefined && quantity(kind, req) > quantity(kind, lim))
      return { field: `resources.requests.${kind}`, message: `must not exceed the limit (${lim})` };
  }
  for (const which of ['livenessProbe', 'readinessProbe'] as const) {
    const p = f[which];
    if (!p) continue;
    if (p.type === 'http' && (!p.path || !p.path.startsWith('/'))) return { field: `${which}.path`, message: 'an http probe needs a path starting with /' };
    if ((p.type === 'http' || p.type === 'tcp') && p.port === undefined) return { field: `${which}.port`, message: `a ${p.type} probe needs a port` };
    if (p.type === 'exec' && (!p.command || p.command.length === 0 || p.command[0] === ''))
      return { field: `${which}.command`, message: 'an exec probe needs a command' };
  }
  if (f.service && f.service.targetPort === undefined && ports.length === 0)
    return { field: 'service.targetPort', message: 'give a target port, or a container port to forward to' };
  if (f.ingress) {
    if (!f.service) return { field: 'ingress.host', message: 'an ingress needs the Service: set service.port' };
    if (!HOST.test(f.ingress.host)) return { field: 'ingress.host', message: 'a DNS host name such as shop.example.com' };
    if (f.ingress.path !== undefined && !f.ingress.path.startsWith('/')) return { field: 'ingress.path', message: 'must start with /' };
    if (f.ingress.className !== undefined && f.ingress.className !== '' && !DNS_SUBDOMAIN.test(f.ingress.className))
      return { field: 'ingress.className', message: 'the name of an IngressClass' };
  }
  const chosen = new Set<string>();
  for (const [i, id] of (f.registries ?? []).entries()) {
    if (!registries.some((r) => r.id === id)) return { field: `registries.${i}`, message: 'not a registry of this organization' };
    if (chosen.has(id)) return { field: `registries.${i}`, message: 'listed twice' };
    chosen.add(id);
  }
  return null;
}

/** The form's shape first (types, bounds, unknown fields), then what the types cannot say. */
export function validateBuilderForm(
  input: unknown,
  registries: readonly BuilderRegistry[],
): { ok: true; form: BuilderForm } | { ok: false; field: string; message: string } {
  if (!checkForm.Check(input)) {
    const first = checkForm.Errors(input).First();
    const path = (first?.path ?? '').replace(/^\//, '').replace(/\//g, '.');
    // An unknown property's error points at its parent: name the property itself.
    if (
      first &&
      first.schema &&
      (first.schema as { additionalProperties?: unknown }).additionalProperties === false &&
      first.value &&
      typeof first.value === 'object'
    ) {
      const allowed = Object.keys((first.schema as { properties?: object }).properties ?? {});
      const extra = Object.keys(first.value as object).find((k) => !allowed.includes(k));
      if (extra) return { ok: false, field: path ? `${path}.${extra}` : extra, message: 'unknown field' };
    }
    return { ok: false, field: path || 'body', message: first?.message ?? 'invalid' };
  }
  const problem = semanticProblem(input, registries);
  return problem ? { ok: false, ...problem } : { ok: true, form: input };
}

function probe(p: ProbeForm): Record<string, unknown> {
  const action =
    p.type === 'http' ? { httpGet: { path: p.path, port: p.port } } : p.type === 'tcp' ? { tcpSocket: { port: p.port } } : { exec: { command: p.command } };
  const timing: Record<string, number> = {};
  for (const k of ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold'] as const) if (p[k] !== undefined) timing[k] = p[k];
  return { ...action, ...timing };
}

function resources(f: BuilderForm): Record<string, unknown> | undefined {
  const out: Record<string, Record<string, string>> = {};
  for (const side of ['requests', 'limits'] as const) {
    const q = f.resources?.[side];
    const set = Object.fromEntries(Object.entries(q ?? {}).filter(([, v]) => v !== undefined && v !== ''));
    if (Object.keys(set).length) out[side] = set as Record<string, string>;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Drops undefined members so the YAML has no `null`s for what the form left out. */
function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The objects a valid form means, in apply order: the Namespace, the pull Secret placeholders of the chosen
 * registries (filled at delivery), the Deployment, the Service, the Ingress. Every object carries
 * `app.kubernetes.io/name: <name>`, which is also the selector.
 */
export function builderObjects(f: BuilderForm, registries: readonly BuilderRegistry[]): Record<string, unknown>[] {
  const labels = { 'app.kubernetes.io/name': f.name };
  const meta = (name: string) => ({ name, namespace: f.namespace, labels });
  const chosen = (f.registries ?? []).map((id) => registries.find((r) => r.id === id)!);
  const ports = f.ports ?? [];
  const container = compact({
    name: f.name,
    image: f.image,
    ports: ports.length ? ports.map((p) => compact({ name: p.name || undefined, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' })) : undefined,
    env: f.env?.length
      ? f.env.map((e) =>
          e.secretName !== undefined
            ? { name: e.name, valueFrom: { secretKeyRef: { name: e.secretName, key: e.secretKey } } }
            : { name: e.name, value: e.value ?? '' },
        )
      : undefined,
    resources: resources(f),
    livenessProbe: f.livenessProbe ? probe(f.livenessProbe) : undefined,
    readinessProbe: f.readinessProbe ? probe(f.readinessProbe) : undefined,
  });
  const objects: Record<string, unknown>[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: f.namespace } }];
  for (const r of chosen) objects.push(pullSecretPlaceholder(r, f.namespace));
  objects.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(f.name),
    spec: {
      replicas: f.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: compact({ containers: [container], imagePullSecrets: chosen.length ? chosen.map((r) => ({ name: r.name })) : undefined }),
      },
    },
  });
  if (f.service) {
    const target = f.service.targetPort ?? ports[0].containerPort;
    const protocol = ports.find((p) => p.containerPort === target)?.protocol ?? 'TCP';
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(f.name),
      spec: { type: f.service.type ?? 'ClusterIP', selector: labels, ports: [{ name: 'main', port: f.service.port, targetPort: target, protocol }] },
    });
  }
  if (f.ingress && f.service) {
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta(f.name),
      spec: compact({
        ingressClassName: f.ingress.className || undefined,
        rules: [
          {
            host: f.ingress.host,
            http: { paths: [{ path: f.ingress.path ?? '/', pathType: 'Prefix', backend: { service: { name: f.name, port: { number: f.service.port } } } }] },
          },
        ],
      }),
    });
  }
  return objects;
}

/** Objects as multi-document YAML, `---` between documents. */
export function objectsYaml(objects: readonly Record<string, unknown>[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

/** Form → objects → YAML, or the first problem with the field named as sent. */
export function buildDeployment(input: unknown, registries: readonly BuilderRegistry[]): BuildResult {
  const checked = validateBuilderForm(input, registries);
  if (!checked.ok) return checked;
  const objects = builderObjects(checked.form, registries);
  return { ok: true, form: checked.form, objects, yaml: objectsYaml(objects) };
}

type Fields = Record<string, string | string[] | undefined>;

/**
 * The HTML form's fields (named like the JSON: `ports.0.containerPort`) → the JSON form. Blank inputs are left
 * out, a row of blanks is no row, numbers are read when they are whole numbers (anything else is passed on for
 * validation to name). `fieldOf` maps a JSON field back to the input it came from, since blank rows drop out.
 */
export function builderInputFromFields(fields: Fields): { input: Record<string, unknown>; fieldOf(field: string): string } {
  const one = (k: string): string => {
    const v = fields[k];
    return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();
  };
  const num = (k: string): number | string | undefined => {
    const v = one(k);
    return v === '' ? undefined : /^\d{1,9}$/.test(v) ? Number(v) : v;
  };
  const text = (k: string): string | undefined => (one(k) === '' ? undefined : one(k));
  const rowsOf = (prefix: string): number[] => {
    const seen = new Set<number>();
    for (const k of Object.keys(fields)) {
      const m = new RegExp(`^${prefix}\\.(\\d{1,3})\\.`).exec(k);
      if (m) seen.add(Number(m[1]));
    }
    return [...seen].sort((a, b) => a - b);
  };
  const renumber: Record<string, number[]> = {};
  const rows = <T>(prefix: string, keys: string[], make: (i: number) => T): T[] | undefined => {
    const kept = rowsOf(prefix).filter((i) => keys.some((k) => one(`${prefix}.${i}.${k}`) !== ''));
    renumber[prefix] = kept;
    return kept.length ? kept.map(make) : undefined;
  };
  const probe = (p: string): Record<string, unknown> | undefined => {
    const type = one(`${p}.type`);
    if (type === '' || type === 'none') return undefined;
    const command = one(`${p}.command`);
    return compact({
      type,
      path: type === 'http' ? text(`${p}.path`) : undefined,
      port: type === 'exec' ? undefined : num(`${p}.port`),
      command: type === 'exec' ? (command === '' ? [] : command.split(/\s+/)) : undefined,
      initialDelaySeconds: num(`${p}.initialDelaySeconds`),
      periodSeconds: num(`${p}.periodSeconds`),
      timeoutSeconds: num(`${p}.timeoutSeconds`),
      failureThreshold: num(`${p}.failureThreshold`),
    });
  };
  const quantities = (side: string) => {
    const q = compact({ cpu: text(`resources.${side}.cpu`), memory: text(`resources.${side}.memory`) });
    return Object.keys(q).length ? q : undefined;
  };
  const res = compact({ requests: quantities('requests'), limits: quantities('limits') });
  const registries = (Array.isArray(fields.registries) ? fields.registries : fields.registries ? [fields.registries] : []).filter((r) => r !== '');
  const input = compact({
    name: one('name'),
    namespace: one('namespace'),
    image: one('image'),
    replicas: num('replicas'),
    ports: rows('ports', ['containerPort', 'name'], (i) =>
      compact({ name: text(`ports.${i}.name`), containerPort: num(`ports.${i}.containerPort`) ?? '', protocol: text(`ports.${i}.protocol`) }),
    ),
    env: rows('env', ['name', 'value', 'secretName', 'secretKey'], (i) => {
      const secret = text(`env.${i}.secretName`) !== undefined || text(`env.${i}.secretKey`) !== undefined;
      return compact({
        name: one(`env.${i}.name`),
        value: secret ? undefined : one(`env.${i}.value`),
        secretName: secret ? one(`env.${i}.secretName`) : undefined,
        secretKey: secret ? one(`env.${i}.secretKey`) : undefined,
      });
    }),
    resources: Object.keys(res).length ? res : undefined,
    livenessProbe: probe('livenessProbe'),
    readinessProbe: probe('readinessProbe'),
    service: one('service.port') === '' ? undefined : compact({ port: num('service.port'), targetPort: num('service.targetPort'), type: text('service.type') }),
    ingress: one('ingress.host') === '' ? undefined : compact({ host: one('ingress.host'), path: text('ingress.path'), className: text('ingress.className') }),
    registries: registries.length ? registries : undefined,
  });
  return {
    input,
    fieldOf(field) {
      const m = /^(ports|env)\.(\d+)(\..*)?$/.exec(field);
      if (!m) return field;
      const original = renumber[m[1]]?.[Number(m[2])];
      return original === undefined ? field : `${m[1]}.${original}${m[3] ?? ''}`;
    },
  };
}
