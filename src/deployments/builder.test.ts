// The deployment builder: a form → known Kubernetes YAML; validation names the field as sent (JSON and HTML
// form alike); the real kubectl accepts what it generates (client dry run, and server-side apply against the
// simulator).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startSimulator, type Simulator } from '../../sim/index.ts';
import { buildDeployment, builderInputFromFields, type BuilderForm } from './builder';

const REGISTRY = { id: '11111111-2222-3333-4444-555555555555', name: 'ghcr-acme', server: 'ghcr.io' };

const FULL: BuilderForm = {
  name: 'web',
  namespace: 'shop',
  image: 'ghcr.io/acme/web:1.4.2',
  replicas: 2,
  ports: [{ name: 'http', containerPort: 8080 }],
  env: [
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'DB_PASSWORD', secretName: 'db', secretKey: 'password' },
  ],
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  livenessProbe: { type: 'http', path: '/healthz', port: 8080, periodSeconds: 10 },
  readinessProbe: { type: 'tcp', port: 8080 },
  service: { port: 80 },
  ingress: { host: 'shop.example.com' },
  registries: [REGISTRY.id],
};

const FULL_YAML = `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Secret
metadata:
  name: ghcr-acme
  namespace: shop
  annotations:
    niro.dev/registry: 11111111-2222-3333-4444-555555555555
type: kubernetes.io/dockerconfigjson
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: web
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.4.2
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          env:
            - name: LOG_LEVEL
              value: info
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: db
                  key: password
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8080
            periodSeconds: 10
          readinessProbe:
            tcpSocket:
              port: 8080
      imagePullSecrets:
        - name: ghcr-acme
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/name: web
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: web
  ports:
    - name: main
      port: 80
      targetPort: 8080
      protocol: TCP
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/name: web
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
`.trimStart();

function build(form: unknown): ReturnType<typeof buildDeployment> {
  return buildDeployment(form, [REGISTRY]);
}

function problem(form: unknown): { field: string; message: string } {
  const r = build(form);
  if (r.ok) throw new Error('expected a refusal');
  return { field: r.field, message: r.message };
}

const MIN = { name: 'web', namespace: 'shop', image: 'nginx:1.27' };

describe('objects and YAML', () => {
  test('a full form gives the known YAML, objects in apply order', () => {
    const r = build(FULL);
    if (!r.ok) throw new Error(r.message);
    expect(r.yaml).toBe(FULL_YAML);
    expect(r.objects.map((o) => o.kind)).toEqual(['Namespace', 'Secret', 'Deployment', 'Service', 'Ingress']);
  });

  test('the smallest form: a Namespace and a one-replica Deployment, nothing the form left out', () => {
    const r = build(MIN);
    if (!r.ok) throw new Error(r.message);
    expect(r.objects).toEqual([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'web' } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
          template: { metadata: { labels: { 'app.kubernetes.io/name': 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
        },
      },
    ]);
    expect(r.yaml).not.toContain('null');
  });

  test('exec probe, UDP port, explicit service target and type, ingress class and path', () => {
    const r = build({
      ...MIN,
      ports: [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 9090 }],
      livenessProbe: { type: 'exec', command: ['cat', '/tmp/ok'], initialDelaySeconds: 5, failureThreshold: 3 },
      service: { port: 5353, targetPort: 53, type: 'NodePort' },
      ingress: { host: 'dns.example.com', path: '/api', className: 'traefik' },
    });
    if (!r.ok) throw new Error(r.message);
    const [, deployment, service, ingress] = r.objects as any[];
    expect(deployment.spec.template.spec.containers[0].livenessProbe).toEqual({
      exec: { command: ['cat', '/tmp/ok'] },
      initialDelaySeconds: 5,
      failureThreshold: 3,
    });
    expect(service.spec).toEqual({
      type: 'NodePort',
      selector: { 'app.kubernetes.io/name': 'web' },
      ports: [{ name: 'main', port: 5353, targetPort: 53, protocol: 'UDP' }],
    });
    expect(ingress.spec.ingressClassName).toBe('traefik');
    expect(ingress.spec.rules[0].http.paths[0]).toMatchObject({ path: '/api', pathType: 'Prefix' });
  });
});

describe('validation names the field as sent', () => {
  test.each([
    [{ ...MIN, name: 'Web' }, 'name'],
    [{ ...MIN, namespace: 'a'.repeat(64) }, 'namespace'],
    [{ ...MIN, image: '' }, 'image'],
    [{ ...MIN, image: 'acme/Web:1' }, 'image'],
    [{ ...MIN, image: 'nginx:' }, 'image'],
    [{ ...MIN, replicas: -1 }, 'replicas'],
    [{ ...MIN, replicas: 1.5 }, 'replicas'],
    [{ ...MIN, ports: [{ containerPort: 80 }, { containerPort: 70000 }] }, 'ports.1.containerPort'],
    [{ ...MIN, ports: [{ containerPort: 80 }, { containerPort: 80 }] }, 'ports.1.containerPort'],
    [{ ...MIN, ports: [{ containerPort: 80, name: 'HTTP' }] }, 'ports.0.name'],
    [{ ...MIN, env: [{ name: '1BAD', value: 'x' }] }, 'env.0.name'],
    [
      {
        ...MIN,
        env: [
          { name: 'A', value: 'x' },
          { name: 'A', value: 'y' },
        ],
      },
      'env.1.name',
    ],
    [{ ...MIN, env: [{ name: 'A', secretName: 'db' }] }, 'env.0.secretKey'],
    [{ ...MIN, env: [{ name: 'A', value: 'x', secretName: 'db', secretKey: 'k' }] }, 'env.0.value'],
    [{ ...MIN, resources: { requests: { cpu: 'lots' } } }, 'resources.requests.cpu'],
    [{ ...MIN, resources: { limits: { memory: '12 GB' } } }, 'resources.limits.memory'],
    [{ ...MIN, resources: { requests: { memory: '1Gi' }, limits: { memory: '512Mi' } } }, 'resources.requests.memory'],
    [{ ...MIN, livenessProbe: { type: 'http', port: 80 } }, 'livenessProbe.path'],
    [{ ...MIN, readinessProbe: { type: 'tcp' } }, 'readinessProbe.port'],
    [{ ...MIN, readinessProbe: { type: 'grpc', port: 1 } }, 'readinessProbe.type'],
    [{ ...MIN, livenessProbe: { type: 'exec', command: [] } }, 'livenessProbe.command'],
    [{ ...MIN, service: { port: 80 } }, 'service.targetPort'],
    [{ ...MIN, ingress: { host: 'shop.example.com' } }, 'ingress.host'],
    [{ ...MIN, ports: [{ containerPort: 80 }], service: { port: 80 }, ingress: { host: 'not a host' } }, 'ingress.host'],
    [{ ...MIN, registries: ['99999999-2222-3333-4444-555555555555'] }, 'registries.0'],
    [{ ...MIN, surprise: true }, 'surprise'],
    [{ ...MIN, service: { port: 80, targetPort: 8080, extra: 1 } }, 'service.extra'],
    [{ ...MIN, env: Array.from({ length: 101 }, (_, i) => ({ name: `V${i}`, value: '' })) }, 'env'],
  ])('%j → %s', (form, field) => {
    expect(problem(form).field).toBe(field);
  });

  test('a missing required field is named', () => {
    expect(problem({ name: 'web', namespace: 'shop' }).field).toBe('image');
  });
});

describe('the HTML form', () => {
  test('fields named like the JSON give the same form; blank rows drop out and errors name the input', () => {
    const fields = {
      name: 'web',
      namespace: 'shop',
      image: 'nginx:1.27',
      replicas: '3',
      'ports.0.containerPort': '',
      'ports.0.name': '',
      'ports.1.containerPort': '8080',
      'ports.1.name': 'http',
      'env.0.name': 'A',
      'env.0.value': '1',
      'env.1.name': 'B',
      'env.1.secretName': 'db',
      'env.1.secretKey': 'pw',
      'resources.requests.cpu': '100m',
      'resources.limits.memory': '',
      'livenessProbe.type': 'http',
      'livenessProbe.path': '/healthz',
      'livenessProbe.port': '8080',
      'readinessProbe.type': 'none',
      'service.port': '80',
      'ingress.host': '',
      registries: REGISTRY.id,
    };
    const { input } = builderInputFromFields(fields);
    expect(input).toEqual({
      name: 'web',
      namespace: 'shop',
      image: 'nginx:1.27',
      replicas: 3,
      ports: [{ name: 'http', containerPort: 8080 }],
      env: [
        { name: 'A', value: '1' },
        { name: 'B', secretName: 'db', secretKey: 'pw' },
      ],
      resources: { requests: { cpu: '100m' } },
      livenessProbe: { type: 'http', path: '/healthz', port: 8080 },
      service: { port: 80 },
      registries: [REGISTRY.id],
    });
    expect(build(input).ok).toBe(true);
    const bad = builderInputFromFields({ ...fields, 'ports.1.containerPort': 'eighty' });
    const r = build(bad.input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(bad.fieldOf(r.field)).toBe('ports.1.containerPort');
    const notNumber = builderInputFromFields({ ...fields, replicas: 'three' });
    const r2 = build(notNumber.input);
    expect(r2.ok ? null : r2.field).toBe('replicas');
  });
});

describe('the real kubectl accepts the generated YAML', () => {
  const kubectlPath = Bun.which('kubectl');
  let sim: Simulator;
  let cacheDir: string;
  beforeAll(async () => {
    sim = await startSimulator({ name: 'builder', nodes: 1, pods: 2, seed: 3, tickMs: 0, evolve: false });
    cacheDir = await mkdtemp(join(tmpdir(), 'kubectl-cache-'));
  });
  afterAll(async () => {
    await sim.stop();
    await rm(cacheDir, { recursive: true, force: true });
  });

  async function kubectl(input: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const child = Bun.spawn(
      [kubectlPath!, '--kubeconfig', sim.kubeconfigPath, '--context', 'builder-admin', '--cache-dir', cacheDir, '--request-timeout', '10s', ...args],
      {
        stdin: new Blob([input]),
        stdout: 'pipe',
        stderr: 'pipe',
      },
    );
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    return { code, stdout, stderr };
  }

  test.skipIf(!kubectlPath)('apply --dry-run=client takes every object; create -o json reads them back unchanged', async () => {
    const r = build(FULL);
    if (!r.ok) throw new Error(r.message);
    const applied = await kubectl(r.yaml, 'apply', '--dry-run=client', '-f', '-');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout.trimEnd().split('\n')).toEqual([
      'namespace/shop created (dry run)',
      'secret/ghcr-acme created (dry run)',
      'deployment.apps/web created (dry run)',
      'service/web created (dry run)',
      'ingress.networking.k8s.io/web created (dry run)',
    ]);
    const created = await kubectl(r.yaml, 'create', '--dry-run=client', '-o', 'yaml', '-f', '-');
    expect(created.code).toBe(0);
    expect(parseAllDocuments(created.stdout).map((d) => d.toJS())).toEqual(r.objects);
  });

  test.skipIf(!kubectlPath)('server-side apply (dry run, field manager niro) takes them too', async () => {
    // A namespace the simulator has: a dry run creates no Namespace for the objects after it.
    const r = build({ ...FULL, namespace: 'default' });
    if (!r.ok) throw new Error(r.message);
    const applied = await kubectl(r.yaml, 'apply', '--server-side', '--field-manager', 'niro', '--dry-run=server', '-f', '-');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout.trimEnd().split('\n')).toHaveLength(5);
    expect(parseAllDocuments(r.yaml)).toHaveLength(5);
  });
});
