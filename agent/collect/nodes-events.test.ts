// Checks node and Warning-event mapping from real Kubernetes JSON: status, roles, capacity, usage, the event window.
import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { NodeInfo, WarningEvent } from '../../src/contract/index.ts';
import type { Event, Node } from '../kube-objects.ts';
import { mapWarningEvents } from './events.ts';
import { findNodeRoles, indexNodeUsage, mapNode } from './nodes.ts';

const nodes = ((await Bun.file(new URL('./testdata/nodes.json', import.meta.url)).json()) as { items: Node[] }).items;
const events = ((await Bun.file(new URL('./testdata/events.json', import.meta.url)).json()) as { items: Event[] }).items;

describe('nodes', () => {
  test('a ready k3s server with metrics', () => {
    const usage = indexNodeUsage([{ metadata: { name: 'k3s-server-0' }, usage: { cpu: '350123456n', memory: '2097152Ki' } }]);
    const node = mapNode(nodes[0]!, usage.get('k3s-server-0'), 12);
    expect(node).toEqual({
      name: 'k3s-server-0',
      status: 'Ready',
      roles: ['control-plane', 'master'],
      kubeletVersion: 'v1.31.4+k3s1',
      cpuCapacityMilli: 4000,
      memCapacityBytes: 8025424 * 1024,
      cpuAllocatableMilli: 4000,
      memAllocatableBytes: 8025424 * 1024,
      cpuUsageMilli: 351,
      memUsageBytes: 2 * 2 ** 30,
      podCount: 12,
      unschedulable: false,
      pressures: [],
      internalIP: '10.0.0.10',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      architecture: 'amd64',
      containerRuntimeVersion: 'containerd://1.7.23-k3s2',
      createdUnix: Date.parse('2026-06-01T08:00:00Z') / 1000,
    });
    expect(Value.Check(NodeInfo, node)).toBe(true);
  });

  test('an unreachable, cordoned agent without metrics', () => {
    const node = mapNode(nodes[1]!, undefined, 0);
    expect(node).toMatchObject({
      status: 'Unknown',
      roles: ['edge'],
      unschedulable: true,
      pressures: ['DiskPressure'],
      cpuAllocatableMilli: 1800,
      memCapacityBytes: 4 * 2 ** 30,
    });
    expect(node.cpuUsageMilli).toBeUndefined();
    expect(Value.Check(NodeInfo, node)).toBe(true);
  });

  test('NotReady when the Ready condition is False; workers have no roles', () => {
    const node = structuredClone(nodes[0]!);
    node.metadata.labels = { 'kubernetes.io/hostname': 'w' };
    node.status!.conditions = [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }];
    const mapped = mapNode(node, undefined, 0);
    expect([mapped.status, mapped.roles]).toEqual(['NotReady', []]);
    expect(findNodeRoles({ 'node-role.kubernetes.io/': 'x' })).toEqual([]);
  });
});

describe('warning events', () => {
  const now = Date.parse('2026-06-12T10:00:00Z') / 1000;

  test('only Warnings of the last hour, newest first, old and new API shapes', () => {
    const mapped = mapWarningEvents(events, now);
    expect(mapped).toEqual([
      {
        namespace: 'data',
        involvedKind: 'Pod',
        involvedName: 'ml-trainer-5f6d8c9b7-r8k2p',
        reason: 'FailedScheduling',
        message: '0/3 nodes are available: 3 Insufficient cpu.',
        count: 5,
        firstSeen: Date.parse('2026-06-12T09:58:00Z') / 1000,
        lastSeen: Date.parse('2026-06-12T09:59:30Z') / 1000,
        uid: 'ev-2',
        source: 'default-scheduler',
      },
      {
        namespace: 'shop',
        involvedKind: 'Pod',
        involvedName: 'api-7c9d5b6f4-q9w8e',
        reason: 'BackOff',
        message: 'Back-off restarting failed container api in pod api-7c9d5b6f4-q9w8e_shop(a1b2c3d4-0000-4000-8000-000000000004)',
        count: 42,
        firstSeen: Date.parse('2026-06-12T09:05:00Z') / 1000,
        lastSeen: Date.parse('2026-06-12T09:59:00Z') / 1000,
        uid: 'ev-1',
        source: 'kubelet',
      },
    ]);
    for (const event of mapped) expect(Value.Check(WarningEvent, event)).toBe(true);
  });

  test('bounded in count and message length', () => {
    const many = Array.from({ length: 600 }, (_, i) => ({ ...events[0]!, message: 'x'.repeat(5000), metadata: { ...events[0]!.metadata, uid: `u${i}` } }));
    const mapped = mapWarningEvents(many, now);
    expect(mapped).toHaveLength(500);
    expect(mapped[0]!.message).toHaveLength(1024);
  });
});
