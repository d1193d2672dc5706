// Checks the wire contract: protocol-1 and protocol-2 heartbeats validate, bad ones fail naming the field.
import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import {
  AgentFrame,
  ApplyPayload,
  DeleteDeploymentPayload,
  DeleteObjectPayload,
  DeletePayload,
  ObjectResult,
  deletePayloadSchema,
  COMMAND_PAYLOAD_BY_TYPE,
  Command,
  CommandEnvelope,
  CommandResult,
  CommandsResponse,
  DataFrame,
  EnrollRequest,
  EnrollResponse,
  HEARTBEAT_SCHEMA_BY_PROTOCOL,
  HeartbeatProtocol,
  HeartbeatRequest,
  HeartbeatResponse,
  HeartbeatV1,
  HeartbeatV2,
  LIMITS,
  MIN_SUPPORTED_PROTOCOL,
  PROTOCOL,
  ServerFrame,
  StartLogFrame,
  type PodDetail,
} from './index.ts';

const node = {
  name: 'k3s-server-0',
  status: 'Ready',
  roles: ['control-plane', 'master'],
  kubeletVersion: 'v1.31.4+k3s1',
  cpuCapacityMilli: 4000,
  memCapacityBytes: 8_226_000_896,
  cpuAllocatableMilli: 4000,
  memAllocatableBytes: 8_226_000_896,
};

// What an agent of protocol 1 sent, verbatim: counts at the top, `pods` a number.
const heartbeatV1 = {
  agentVersion: '0.3.1',
  protocol: 1,
  k8sVersion: 'v1.29.3+k3s1',
  nodes: [node],
  pods: 12,
  podsRunning: 11,
  podsFailed: 1,
  namespaces: 4,
};

const pod: PodDetail = {
  namespace: 'shop',
  name: 'web-7d9f8b6c5-x2x4q',
  phase: 'Running',
  nodeName: 'k3s-server-0',
  restarts: 3,
  ready: '2/2',
  containers: ['web', 'envoy'],
  startedUnix: 1_780_000_000,
  ownerKind: 'Deployment',
  ownerName: 'web',
  cpuUsageMilli: 12,
  memUsageBytes: 50_331_648,
  cpuRequestMilli: 200,
  cpuLimitMilli: 1000,
  memRequestBytes: 134_217_728,
  memLimitBytes: 268_435_456,
  uid: '0b6c4c0e-5d0c-4a0e-9d3c-3f7a4a1c2b11',
  status: 'Running',
  createdUnix: 1_779_999_990,
  containerDetails: [
    {
      name: 'web',
      image: 'registry.example.com/shop/web:1.4.2',
      kind: 'app',
      ready: true,
      restarts: 3,
      state: 'running',
      startedAt: 1_780_000_100,
      lastTerminationReason: 'OOMKilled',
      lastTerminationExitCode: 137,
      lastTerminatedAt: 1_780_000_090,
      hasLivenessProbe: true,
      hasReadinessProbe: true,
      cpuRequestMilli: 100,
      cpuLimitMilli: 500,
      memRequestBytes: 67_108_864,
      memLimitBytes: 134_217_728,
      privileged: false,
    },
  ],
  privileged: false,
  imagePullSecrets: ['regcred'],
  podIP: '10.42.0.17',
  qosClass: 'Burstable',
  labels: { app: 'web', 'pod-template-hash': '7d9f8b6c5' },
  ownerChain: [
    { kind: 'ReplicaSet', name: 'web-7d9f8b6c5' },
    { kind: 'Deployment', name: 'web' },
  ],
  usageAvailable: true,
};

const heartbeatV2 = {
  agentVersion: '0.4.0',
  protocol: 2,
  k8sVersion: 'v1.31.4+k3s1',
  distribution: 'k3s',
  platform: 'linux/amd64',
  nodes: [{ ...node, cpuUsageMilli: 350, memUsageBytes: 2_147_483_648, podCount: 1 }],
  counts: { pods: 1, podsRunning: 1, podsFailed: 0, namespaces: 1 },
  pods: [pod],
  podsTruncated: false,
  podsTotal: 1,
  events: [
    {
      namespace: 'shop',
      involvedKind: 'Pod',
      involvedName: 'web-7d9f8b6c5-x2x4q',
      reason: 'BackOff',
      message: 'Back-off restarting failed container web in pod web-7d9f8b6c5-x2x4q_shop',
      count: 7,
      firstSeen: 1_780_000_050,
      lastSeen: 1_780_000_200,
      uid: 'e1',
    },
  ],
  capabilities: {
    pods: { enabled: true, detectedBy: 'SelfSubjectAccessReview list pods' },
    logs: { enabled: false, detectedBy: 'SelfSubjectAccessReview get pods/log' },
    apply: { enabled: false, detectedBy: 'SelfSubjectAccessReview patch deployments.apps' },
    selfUpdate: { enabled: false, detectedBy: 'SelfSubjectAccessReview patch deployments.apps niro-agent' },
    podMetrics: { enabled: true, detectedBy: 'metrics.k8s.io reachable' },
  },
};

/** Validates the way the server is meant to: protocol first, then the schema of that protocol. */
function validateHeartbeat(body: unknown): string[] {
  if (!Value.Check(HeartbeatProtocol, body)) return [...Value.Errors(HeartbeatProtocol, body)].map((e) => e.path);
  const protocol = (body as { protocol: number }).protocol;
  const schema = protocol === 1 ? HEARTBEAT_SCHEMA_BY_PROTOCOL[1] : HEARTBEAT_SCHEMA_BY_PROTOCOL[2];
  return [...Value.Errors(schema, body)].map((e) => e.path);
}

describe('protocol', () => {
  test('current protocol is supported and above the minimum', () => {
    expect(PROTOCOL).toBe(8);
    expect(MIN_SUPPORTED_PROTOCOL).toBe(1);
    // Protocol 3 changed only stream frames: its heartbeat is still HeartbeatV2.
    expect(HEARTBEAT_SCHEMA_BY_PROTOCOL[2]).toBe(HeartbeatV2);
  });
});

describe('heartbeat', () => {
  test('accepts a protocol-1 heartbeat with only counts', () => {
    expect(Value.Check(HeartbeatV1, heartbeatV1)).toBe(true);
    expect(Value.Check(HeartbeatRequest, heartbeatV1)).toBe(true);
    expect(validateHeartbeat(heartbeatV1)).toEqual([]);
  });

  test('accepts a full protocol-2 heartbeat', () => {
    expect(validateHeartbeat(heartbeatV2)).toEqual([]);
    expect(Value.Check(HeartbeatRequest, heartbeatV2)).toBe(true);
  });

  test('a protocol-1 body is not a protocol-2 one and vice versa', () => {
    expect(Value.Check(HeartbeatV2, { ...heartbeatV1, protocol: 2 })).toBe(false);
    expect(Value.Check(HeartbeatV1, heartbeatV2)).toBe(false);
  });

  test('a newer agent with extra fields passes (objects are open)', () => {
    const v3 = { ...heartbeatV2, protocol: 3, somethingNew: { x: 1 }, pods: [{ ...pod, newField: 'x' }] };
    expect(validateHeartbeat(v3)).toEqual([]);
  });

  test('a missing protocol is named', () => {
    const { protocol: _, ...rest } = heartbeatV2;
    expect(validateHeartbeat(rest)).toContain('/protocol');
  });

  test('errors name the field deep in the pod list', () => {
    const bad = { ...heartbeatV2, pods: [pod, { ...pod, restarts: -1 }] };
    expect(validateHeartbeat(bad)).toContain('/pods/1/restarts');
    const badContainer = {
      ...heartbeatV2,
      pods: [{ ...pod, containerDetails: [{ ...pod.containerDetails[0], state: 'exploded' }] }],
    };
    expect(validateHeartbeat(badContainer)).toContain('/pods/0/containerDetails/0/state');
  });

  test('protocol-1 errors name the field too', () => {
    expect(validateHeartbeat({ ...heartbeatV1, podsRunning: 'eleven' })).toEqual(['/podsRunning']);
  });

  test('a v2 heartbeat missing capabilities fails naming it', () => {
    const { capabilities: _, ...rest } = heartbeatV2;
    expect(validateHeartbeat(rest)).toContain('/capabilities');
  });

  test('strings, arrays and labels are bounded', () => {
    const longName = { ...heartbeatV2, pods: [{ ...pod, name: 'x'.repeat(LIMITS.name + 1) }] };
    expect(validateHeartbeat(longName)).toContain('/pods/0/name');
    const longMessage = {
      ...heartbeatV2,
      events: [{ ...heartbeatV2.events[0], message: 'm'.repeat(LIMITS.message + 1) }],
    };
    expect(validateHeartbeat(longMessage)).toContain('/events/0/message');
    const manyLabels = Object.fromEntries(Array.from({ length: LIMITS.labelsPerPod + 1 }, (_, i) => [`k${i}`, 'v']));
    expect(validateHeartbeat({ ...heartbeatV2, pods: [{ ...pod, labels: manyLabels }] })).toContain('/pods/0/labels');
    const longKey = { ['k'.repeat(LIMITS.labelKey + 1)]: 'v' };
    expect(validateHeartbeat({ ...heartbeatV2, pods: [{ ...pod, labels: longKey }] }).length).toBeGreaterThan(0);
    const tooMany = { ...heartbeatV2, pods: Array.from({ length: LIMITS.podsPerHeartbeat + 1 }, () => pod) };
    expect(validateHeartbeat(tooMany)).toContain('/pods');
  });

  test('node status is one of Ready/NotReady/Unknown', () => {
    const bad = { ...heartbeatV2, nodes: [{ ...node, status: 'Sleeping' }] };
    expect(validateHeartbeat(bad)).toContain('/nodes/0/status');
  });

  test('response', () => {
    expect(
      Value.Check(HeartbeatResponse, {
        nextIntervalSeconds: 15,
        commandsPending: false,
        serverTime: '2026-06-12T10:00:00.000Z',
      }),
    ).toBe(true);
    expect(Value.Check(HeartbeatResponse, { nextIntervalSeconds: 0, commandsPending: false, serverTime: '' })).toBe(false);
    // Protocol 5: the answer may tell the agent to update itself.
    const told = {
      nextIntervalSeconds: 15,
      commandsPending: false,
      serverTime: '2026-06-12T10:00:00.000Z',
      update: { image: 'niro-agent:0.5.0', version: '0.5.0' },
    };
    expect(Value.Check(HeartbeatResponse, told)).toBe(true);
    expect(Value.Check(HeartbeatResponse, { ...told, update: { image: '', version: '0.5.0' } })).toBe(false);
    // Protocol 6: the acknowledged inventory generation, or a request for every pod.
    expect(Value.Check(HeartbeatResponse, { ...told, inventoryGeneration: 'abc:12' })).toBe(true);
    expect(Value.Check(HeartbeatResponse, { ...told, fullInventory: true })).toBe(true);
    expect(Value.Check(HeartbeatResponse, { ...told, inventoryGeneration: '' })).toBe(false);
  });

  test('protocol 6 delta beat: empty pods, inventory with changed, removed and usage arrays (null = unknown)', () => {
    const delta = {
      ...heartbeatV2,
      protocol: 6,
      pods: [],
      inventory: { base: 'abc:12', changed: [pod], removed: [{ namespace: 'shop', name: 'gone' }], cpuMilli: [5, null], memBytes: [1024, null] },
    };
    expect(validateHeartbeat(delta)).toEqual([]);
    expect(validateHeartbeat({ ...delta, inventory: { ...delta.inventory, base: '' } })).toContain('/inventory/base');
    expect(validateHeartbeat({ ...delta, inventory: { ...delta.inventory, removed: [{ namespace: 'shop' }] } })).toContain('/inventory/removed/0/name');
    expect(validateHeartbeat({ ...delta, inventory: { ...delta.inventory, cpuMilli: [1.5] } })).toContain('/inventory/cpuMilli/0');
  });
});

describe('protocol 8 managed objects', () => {
  const managed = {
    deployment: '3f1c2a9e-7b4d-4c1a-9e2f-0a1b2c3d4e5f',
    revision: 3,
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'shop',
    name: 'web',
    drift: ['spec.replicas', 'spec.template.spec.containers[name=web].image'],
  };

  test('a protocol-7 beat with managed validates; protocol 6 without it still does', () => {
    expect(validateHeartbeat({ ...heartbeatV2, protocol: 8, managed: [managed], managedTruncated: false })).toEqual([]);
    expect(validateHeartbeat({ ...heartbeatV2, protocol: 8 })).toEqual([]);
    expect(validateHeartbeat({ ...heartbeatV2, protocol: 6 })).toEqual([]);
    expect(Value.Check(HeartbeatResponse, { nextIntervalSeconds: 15, commandsPending: false, serverTime: 'now', managedStored: true })).toBe(true);
  });

  test('managed is bounded: items, drift paths per object, path length; errors name the field', () => {
    const beat = (m: unknown[]) => ({ ...heartbeatV2, protocol: 8, managed: m });
    expect(validateHeartbeat(beat(Array.from({ length: LIMITS.managedPerHeartbeat + 1 }, () => managed)))).toContain('/managed');
    expect(validateHeartbeat(beat([{ ...managed, drift: Array.from({ length: LIMITS.driftPathsPerObject + 1 }, (_, i) => `spec.f${i}`) }]))).toContain(
      '/managed/0/drift',
    );
    expect(validateHeartbeat(beat([{ ...managed, drift: ['x'.repeat(LIMITS.driftPath + 1)] }]))).toContain('/managed/0/drift/0');
    expect(validateHeartbeat(beat([{ ...managed, revision: -1 }]))).toContain('/managed/0/revision');
    expect(validateHeartbeat(beat([{ ...managed, name: undefined }]))).toContain('/managed/0/name');
  });
});

describe('enroll', () => {
  test('request with and without facts, response', () => {
    expect(Value.Check(EnrollRequest, { token: 'niro_et_abc', agentVersion: '0.4.0', protocol: 2 })).toBe(true);
    expect(
      Value.Check(EnrollRequest, {
        token: 'niro_et_abc',
        agentVersion: '0.4.0',
        protocol: 2,
        clusterFacts: { k8sVersion: 'v1.31.4+k3s1', distribution: 'k3s', platform: 'linux/arm64' },
      }),
    ).toBe(true);
    expect([...Value.Errors(EnrollRequest, { token: '', agentVersion: '0.4.0', protocol: 2 })][0]?.path).toBe('/token');
    expect(Value.Check(EnrollResponse, { agentKey: 'niro_ak_x', clusterId: 'c1', heartbeatIntervalSeconds: 15 })).toBe(true);
  });
});

describe('commands', () => {
  const apply = {
    id: 'cmd_1',
    type: 'apply',
    createdAt: '2026-06-12T10:00:00Z',
    payload: { manifests: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' },
  };

  test('typed commands and the loose envelope', () => {
    expect(Value.Check(Command, apply)).toBe(true);
    expect(Value.Check(Command, { ...apply, type: 'ping', payload: {} })).toBe(true);
    expect(Value.Check(Command, { ...apply, type: 'self-update', payload: { image: 'niro/agent:0.5.0' } })).toBe(true);
    // A command type this agent doesn't know still parses as an envelope: the agent refuses just that one.
    const future = { ...apply, type: 'exec', payload: { cmd: ['sh'] } };
    expect(Value.Check(Command, future)).toBe(false);
    expect(Value.Check(CommandsResponse, { commands: [apply, future] })).toBe(true);
    expect(Value.Check(CommandEnvelope, { ...apply, id: '' })).toBe(false);
  });

  test('payload schema by type names the bad field', () => {
    const one = { apiVersion: 'v1', kind: 'Service', name: 'x' };
    const errors = [...Value.Errors(deletePayloadSchema(one), one)];
    expect(errors.map((e) => e.path)).toContain('/namespace');
    expect(Value.Check(COMMAND_PAYLOAD_BY_TYPE.delete, { ...one, namespace: 'shop' })).toBe(true);
  });

  test('protocol 8 apply: deployment stamp and prune list, bounded', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
    const deployment = { id: '3f1c2a9e-7b4d-4c1a-9e2f-0a1b2c3d4e5f', revision: 2 };
    const payload = { manifests: 'kind: ConfigMap', deployment, prune: [ref] };
    expect(Value.Check(ApplyPayload, payload)).toBe(true);
    // A protocol-6 payload (no deployment) is still an apply.
    expect(Value.Check(ApplyPayload, { manifests: 'kind: ConfigMap' })).toBe(true);
    expect([...Value.Errors(ApplyPayload, { ...payload, deployment: { ...deployment, revision: 0 } })].map((e) => e.path)).toContain('/deployment/revision');
    // The id becomes a label value: 63 characters at most, no spaces.
    expect([...Value.Errors(ApplyPayload, { ...payload, deployment: { ...deployment, id: 'a'.repeat(64) } })].map((e) => e.path)).toContain('/deployment/id');
    expect([...Value.Errors(ApplyPayload, { ...payload, deployment: { ...deployment, id: 'a b' } })].map((e) => e.path)).toContain('/deployment/id');
    expect([...Value.Errors(ApplyPayload, { ...payload, prune: [{ ...ref, name: '' }] })].map((e) => e.path)).toContain('/prune/0/name');
    expect(Value.Check(ApplyPayload, { ...payload, prune: Array.from({ length: LIMITS.objectsPerCommand + 1 }, () => ref) })).toBe(false);
  });

  test('protocol 8 delete: the deployment form is picked by `objects` and errors name its fields', () => {
    const ref = { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web' };
    const many = { deployment: 'd-1', objects: [ref, { ...ref, kind: 'ConfigMap' }] };
    expect(deletePayloadSchema(many)).toBe(DeleteDeploymentPayload);
    expect(deletePayloadSchema(ref)).toBe(DeleteObjectPayload);
    expect(Value.Check(DeletePayload, many)).toBe(true);
    expect(Value.Check(DeletePayload, ref)).toBe(true);
    expect([...Value.Errors(DeleteDeploymentPayload, { deployment: 'd-1', objects: [] })].map((e) => e.path)).toContain('/objects');
    expect([...Value.Errors(DeleteDeploymentPayload, { objects: [ref] })].map((e) => e.path)).toContain('/deployment');
    expect([...Value.Errors(DeleteDeploymentPayload, { ...many, objects: [{ ...ref, namespace: undefined }] })].map((e) => e.path)).toContain(
      '/objects/0/namespace',
    );
    expect(Value.Check(ObjectResult, { ...ref, action: 'pruned' })).toBe(true);
  });

  test('result', () => {
    expect(
      Value.Check(CommandResult, {
        commandId: 'cmd_1',
        ok: false,
        message: 'apply capability not detected',
        details: { code: 'capability_missing' },
        durationMs: 3,
      }),
    ).toBe(true);
    expect(Value.Check(CommandResult, { commandId: 'cmd_1', ok: true, message: 'pong', durationMs: 1.5 })).toBe(false);
  });
});

describe('stream frames', () => {
  const start = {
    type: 'start-log',
    streamId: 's1',
    namespace: 'shop',
    pod: 'web-7d9f8b6c5-x2x4q',
    container: 'web',
    follow: true,
    tailLines: 100,
    previous: false,
    timestamps: false,
    filter: { pattern: 'ERROR|WARN', regex: true },
  };

  test('server frames', () => {
    expect(Value.Check(StartLogFrame, start)).toBe(true);
    expect(Value.Check(ServerFrame, { type: 'stop', streamId: 's1' })).toBe(true);
    expect(Value.Check(ServerFrame, { type: 'ping', ts: 1 })).toBe(true);
    expect([...Value.Errors(StartLogFrame, { ...start, tailLines: -5 })].map((e) => e.path)).toContain('/tailLines');
  });

  test('agent frames', () => {
    expect(Value.Check(DataFrame, { type: 'data', streamId: 's1', seq: 1, data: 'a\nb\n' })).toBe(true);
    expect(Value.Check(AgentFrame, { type: 'data', streamId: 's1', seq: 2, data: '', eof: true, err: 'logs not enabled' })).toBe(true);
    expect(Value.Check(AgentFrame, { type: 'hello', agentVersion: '0.4.0', protocol: 2, logsEnabled: true })).toBe(true);
    expect(Value.Check(DataFrame, { type: 'data', streamId: 's1', seq: 0, data: '' })).toBe(false);
  });
});
