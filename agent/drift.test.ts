// Drift from metadata.managedFields as a real API server writes them (the FieldsV1 below has the shape of a k3s
// v1.31 Deployment applied by niro, edited with kubectl, scaled, and reconciled by kube-controller-manager), plus the
// applied field set the agent writes, and the heartbeat's send-when-changed memory.
import { describe, expect, test } from 'bun:test';
import { LIMITS, NIRO_LABELS, type HeartbeatV2 } from '../src/contract/index.ts';
import { appliedFieldSet, driftOf } from './drift.ts';
import { attachManaged, rememberManaged, toManagedObject, type ManagedView } from './managed.ts';
import { stampForDeployment } from './commands.ts';
import type { KubeObject } from './kube-objects.ts';

const manifest = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web', 'app.kubernetes.io/name': 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '0.5' } } }] },
    },
  },
});

/** niro's entry after the apply: every field of the configuration, list items by their keys (as the server writes it). */
function niroEntry(extra: { replicas?: boolean; image?: boolean } = {}): Record<string, unknown> {
  const container: Record<string, unknown> = {
    '.': {},
    'f:name': {},
    'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
    'f:resources': { 'f:limits': { 'f:cpu': {} } },
  };
  if (extra.image !== false) container['f:image'] = {};
  const spec: Record<string, unknown> = {
    'f:selector': {},
    'f:template': { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"web"}': container } } },
  };
  if (extra.replicas !== false) spec['f:replicas'] = {};
  return {
    manager: 'niro',
    operation: 'Apply',
    apiVersion: 'apps/v1',
    time: '2026-12-06T10:00:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': {
        'f:annotations': { 'f:niro.dev/applied-fields': {}, 'f:niro.dev/revision': {} },
        'f:labels': { 'f:app': {}, 'f:app.kubernetes.io/managed-by': {}, 'f:app.kubernetes.io/name': {}, 'f:niro.dev/deployment': {} },
      },
      'f:spec': spec,
    },
  };
}

const controller = {
  manager: 'k3s',
  operation: 'Update',
  apiVersion: 'apps/v1',
  time: '2026-12-06T10:00:01Z',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {}, 'f:deployment.kubernetes.io/revision': {} } } },
};
const status = {
  manager: 'k3s',
  operation: 'Update',
  apiVersion: 'apps/v1',
  subresource: 'status',
  time: '2026-12-06T10:00:02Z',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:status': { 'f:replicas': {}, 'f:readyReplicas': {} } },
};

function live(managedFields: unknown[]): KubeObject & { metadata: { managedFields: unknown[] } } {
  const object = manifest();
  stampForDeployment(object, { id: 'd-1', revision: 3 });
  return { ...object, metadata: { ...object.metadata, managedFields } };
}

describe('the applied field set', () => {
  test('paths only: a list is one leaf, a Secret’s data one leaf, server metadata and the set itself left out', () => {
    const object = manifest();
    stampForDeployment(object, { id: 'd-1', revision: 3 });
    const set = JSON.parse(object.metadata.annotations![NIRO_LABELS.appliedFields]!) as Record<string, unknown>;
    expect(set).toEqual({
      metadata: {
        labels: { app: 0, 'app.kubernetes.io/name': 0, 'app.kubernetes.io/managed-by': 0, 'niro.dev/deployment': 0 },
        annotations: { 'niro.dev/revision': 0 },
      },
      spec: { replicas: 0, selector: { matchLabels: { app: 0 } }, template: { metadata: { labels: { app: 0 } }, spec: { containers: 0 } } },
    });
    expect(object.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'niro', 'niro.dev/deployment': 'd-1' });
    expect(object.metadata.annotations![NIRO_LABELS.revision]).toBe('3');
    const secretObject: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'hunter2' }, data: { user: 'YWRh' } };
    stampForDeployment(secretObject, { id: 'd-1', revision: 1 });
    expect(secretObject.stringData).toBeUndefined();
    expect(secretObject.data).toEqual({ user: 'YWRh', password: Buffer.from('hunter2').toString('base64') });
    expect(secretObject.metadata.annotations![NIRO_LABELS.appliedFields]).not.toContain('password');
    const secret = appliedFieldSet({ kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'hunter2' }, type: 'Opaque' });
    expect(secret).toEqual({ data: 0, type: 0 });
    expect(JSON.stringify(secret)).not.toContain('password');
  });
});

describe('drift from managedFields', () => {
  test('as applied (a controller’s annotation and the status beside it): no drift', () => {
    expect(driftOf(live([niroEntry(), controller, status]).metadata)).toEqual([]);
  });

  test('kubectl edit of replicas and the image: the exact paths, list items by key', () => {
    const edit = {
      manager: 'kubectl-edit',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2026-12-06T11:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } } } },
    };
    expect(driftOf(live([niroEntry({ replicas: false, image: false }), controller, status, edit]).metadata)).toEqual([
      'spec.replicas',
      'spec.template.spec.containers[name=web].image',
    ]);
  });

  test('kubectl scale (the scale subresource) is drift; a field removed by hand is drift; a label added beside Niro’s is not', () => {
    const scale = { manager: 'kubectl', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } };
    expect(driftOf(live([niroEntry({ replicas: false }), scale]).metadata)).toEqual(['spec.replicas']);
    // Nobody owns replicas any more: someone removed it.
    expect(driftOf(live([niroEntry({ replicas: false })]).metadata)).toEqual(['spec.replicas']);
    const label = { manager: 'kubectl-label', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } } };
    expect(driftOf(live([niroEntry(), label]).metadata)).toEqual([]);
  });

  test('an atomic map (a LabelSelector, `f:selector: {}`) is owned whole: editing it is drift on the selector', () => {
    const edit = { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:spec': { 'f:selector': {} } } };
    const niro = niroEntry();
    delete (niro.fieldsV1 as { 'f:spec': Record<string, unknown> })['f:spec']['f:selector'];
    expect(driftOf(live([niro, edit]).metadata)).toEqual(['spec.selector']);
  });

  test('another applier setting the same value shares ownership: not drift', () => {
    const shared = { manager: 'helm', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } };
    expect(driftOf(live([niroEntry(), shared]).metadata)).toEqual([]);
  });

  test('a label with dots is quoted; an object without the annotation has no drift to tell', () => {
    const relabel = { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/name': {} } } } };
    const niro = niroEntry();
    delete ((niro.fieldsV1 as Record<string, Record<string, Record<string, unknown>>>)['f:metadata']!['f:labels'] as Record<string, unknown>)[
      'f:app.kubernetes.io/name'
    ];
    expect(driftOf(live([niro, relabel]).metadata)).toEqual(['metadata.labels["app.kubernetes.io/name"]']);
    expect(driftOf({ annotations: {}, managedFields: [relabel] })).toEqual([]);
    expect(driftOf({ annotations: { [NIRO_LABELS.appliedFields]: 'not json' }, managedFields: [relabel] })).toEqual([]);
  });

  test('bounded: at most driftPathsPerObject paths, the last saying how many more', () => {
    const data = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f:k${String(i).padStart(2, '0')}`, {}]));
    const object = {
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v'])),
    };
    const annotations = { [NIRO_LABELS.appliedFields]: JSON.stringify(appliedFieldSet(object)) };
    const drift = driftOf({ annotations, managedFields: [{ manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:data': data } }] });
    expect(drift).toHaveLength(LIMITS.driftPathsPerObject);
    expect(drift[0]).toBe('data.k00');
    expect(drift.at(-1)).toBe(`… ${40 - (LIMITS.driftPathsPerObject - 1)} more`);
  });
});

describe('the managed set in heartbeats', () => {
  const view = (objects: ReturnType<typeof toManagedObject>[] | null): ManagedView => ({
    whenStarted: async () => undefined,
    objects: () => (objects ? { objects, truncated: false } : null),
  });
  const body = (): HeartbeatV2 => ({}) as HeartbeatV2;

  test('sent until the server says it stored it; then only when it changes; never while not listed', () => {
    const memory = { acknowledged: null as string | null };
    const web = toManagedObject(live([niroEntry()]));
    expect(web).toEqual({ deployment: 'd-1', revision: 3, apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', drift: [] });

    let beat = body();
    let sent = attachManaged(beat, view([web]), memory);
    expect(beat.managed).toEqual([web]);
    rememberManaged(memory, sent, { nextIntervalSeconds: 15, commandsPending: false, serverTime: '' });
    // Not acknowledged (an older server, or a lost answer): sent again.
    beat = body();
    sent = attachManaged(beat, view([web]), memory);
    expect(beat.managed).toEqual([web]);
    rememberManaged(memory, sent, { nextIntervalSeconds: 15, commandsPending: false, serverTime: '', managedStored: true });
    beat = body();
    expect(attachManaged(beat, view([web]), memory)).toBeNull();
    expect(beat.managed).toBeUndefined();
    // Drift: sent.
    beat = body();
    attachManaged(beat, view([{ ...web, drift: ['spec.replicas'] }]), memory);
    expect(beat.managed?.[0]?.drift).toEqual(['spec.replicas']);
    // A kind not listed yet: nothing rather than a partial set.
    beat = body();
    expect(attachManaged(beat, view(null), memory)).toBeNull();
    expect(beat.managed).toBeUndefined();
  });
});
