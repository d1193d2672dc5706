// Turns a heartbeat's nodes and pods into storable rows with content digests, and splits out usage.
// Pure functions: the heartbeat service diffs their output against what is stored and writes only
// the difference. Usage (which changes every beat) is excluded from every digest on purpose.
import { createHash } from 'node:crypto';
import type { NodeInfo, PodDetail, WarningEvent } from '../contract';
import { encodeCopyField, pgArrayLiteral } from '../db/client';

/** Columns of cluster_pods in the order of a prepared pod's COPY line (cluster_id and timestamps around it). */
export const POD_CONTENT_COLUMNS = [
  'namespace',
  'name',
  'uid',
  'phase',
  'status',
  'node_name',
  'restarts',
  'ready',
  'containers',
  'started_at',
  'k8s_created_at',
  'owner_kind',
  'owner_name',
  'cpu_request_milli',
  'cpu_limit_milli',
  'mem_request_bytes',
  'mem_limit_bytes',
  'privileged',
  'pod_ip',
  'qos_class',
  'message',
  'usage_available',
  'images',
  'detail',
  'content_hash',
] as const;

export type PreparedPod = {
  namespace: string;
  name: string;
  status: string;
  restarts: number;
  /** Any container waiting in CrashLoopBackOff (the pod STATUS may show another reason first). */
  crashLooping: boolean;
  /** Why the previous container instance died, when the agent said (OOMKilled, Error…). */
  lastTermination: string | null;
  /** The pod without usage, as JSON: stored as cluster_pods.detail and digested into `hash`. */
  json: string;
  hash: string;
  pod: PodDetail;
};

export type PodInventory = {
  /** "namespace/name" in the agent's order (stable between beats: the API lists in key order). */
  keys: string[];
  cpu: (number | null)[];
  mem: (number | null)[];
  /** Per pod, aligned with the list: the pod without usage as JSON, and its digest. */
  json: string[];
  hashes: string[];
  /** Digest of every pod's digest: equal to the stored one means the inventory is unchanged. */
  setHash: string;
};

function rowHash(text: string): string {
  return Bun.hash(text).toString(36);
}

function setDigest(parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 32);
}

function unixToIso(unix: number | undefined): string | null {
  return unix ? new Date(unix * 1000).toISOString() : null;
}

/** The key pods are addressed by in usage key sets and incident subjects. */
export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

type PodWithoutUsage = Omit<PodDetail, 'cpuUsageMilli' | 'memUsageBytes'> & { cpuUsageMilli?: number; memUsageBytes?: number };
type ContainerWithoutUsage = { cpuUsageMilli?: number; memUsageBytes?: number };

/**
 * Takes the usage out of the pods — recorded in the result, then removed from the objects in place
 * (set to undefined, which JSON leaves out) — and digests what remains, one JSON serialization per
 * pod. That is all an unchanged beat needs; the same JSON is what a changed pod stores.
 */
export function takePodUsage(pods: PodDetail[]): PodInventory {
  const n = pods.length;
  const keys: string[] = new Array(n);
  const cpu: (number | null)[] = new Array(n);
  const mem: (number | null)[] = new Array(n);
  const json: string[] = new Array(n);
  const hashes: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const p = pods[i] as PodWithoutUsage;
    keys[i] = podKey(p.namespace, p.name);
    cpu[i] = p.usageAvailable ? (p.cpuUsageMilli ?? null) : null;
    mem[i] = p.usageAvailable ? (p.memUsageBytes ?? null) : null;
    p.cpuUsageMilli = undefined;
    p.memUsageBytes = undefined;
    for (const c of p.containerDetails as ContainerWithoutUsage[]) {
      c.cpuUsageMilli = undefined;
      c.memUsageBytes = undefined;
    }
    json[i] = JSON.stringify(p);
    hashes[i] = rowHash(json[i]);
  }
  return { keys, cpu, mem, json, hashes, setHash: podSetHash(hashes) };
}

/** The inventory digest of pods' digests in list order (a delta beat's list is in key order). */
export function podSetHash(hashes: readonly string[]): string {
  return `${rowHash(hashes.join(','))}:${hashes.length}`;
}

/**
 * The pods as rows to diff, after takePodUsage. A key the agent sent twice is kept once (the
 * first), so one write never meets the same row twice.
 */
export function preparePods(pods: readonly PodDetail[], inventory: PodInventory): PreparedPod[] {
  const seen = new Set<string>();
  const out: PreparedPod[] = [];
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i];
    if (seen.has(inventory.keys[i])) continue;
    seen.add(inventory.keys[i]);
    let crashLooping = p.status === 'CrashLoopBackOff';
    let lastTermination: string | null = null;
    for (const c of p.containerDetails) {
      if (c.stateReason === 'CrashLoopBackOff') crashLooping = true;
      if (!lastTermination && c.lastTerminationReason) lastTermination = c.lastTerminationReason;
    }
    out.push({
      namespace: p.namespace,
      name: p.name,
      status: p.status,
      restarts: p.restarts,
      crashLooping,
      lastTermination,
      json: inventory.json[i],
      hash: inventory.hashes[i],
      pod: p,
    });
  }
  return out;
}

/** The COPY text of a pod's content columns (POD_CONTENT_COLUMNS order), content_hash last. */
export function podCopyLine(prepared: PreparedPod): string {
  const p = prepared.pod;
  const fields = [
    p.namespace,
    p.name,
    p.uid ?? null,
    p.phase,
    p.status,
    p.nodeName,
    p.restarts,
    p.ready,
    pgArrayLiteral(p.containers),
    unixToIso(p.startedUnix),
    unixToIso(p.createdUnix),
    p.ownerKind,
    p.ownerName,
    p.cpuRequestMilli,
    p.cpuLimitMilli,
    p.memRequestBytes,
    p.memLimitBytes,
    p.privileged ? 't' : 'f',
    p.podIP,
    p.qosClass,
    p.message ?? null,
    p.usageAvailable ? 't' : 'f',
    pgArrayLiteral(p.containerDetails.map((c) => c.image)),
    prepared.json,
    prepared.hash,
  ];
  let line = '';
  for (let f = 0; f < fields.length; f++) line += (f ? '\t' : '') + encodeCopyField(fields[f]);
  return line;
}

export type PreparedNode = {
  name: string;
  status: NodeInfo['status'];
  row: NodeRowValues;
  hash: string;
  cpu: number | null;
  mem: number | null;
};

export type NodeRowValues = {
  name: string;
  status: string;
  roles: string[];
  kubeletVersion: string;
  cpuCapacityMilli: number;
  memCapacityBytes: number;
  cpuAllocatableMilli: number;
  memAllocatableBytes: number;
  podCount: number | null;
  unschedulable: boolean;
  pressures: string[];
  internalIp: string | null;
  osImage: string | null;
  architecture: string | null;
  containerRuntime: string | null;
  k8sCreatedAt: Date | null;
};

export type PreparedNodes = { nodes: PreparedNode[]; setHash: string };

export function prepareNodes(input: readonly NodeInfo[]): PreparedNodes {
  const sorted = [...input].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const nodes: PreparedNode[] = [];
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const n = sorted[i];
    if (i > 0 && sorted[i - 1].name === n.name) continue;
    const row: NodeRowValues = {
      name: n.name,
      status: n.status,
      roles: n.roles,
      kubeletVersion: n.kubeletVersion,
      cpuCapacityMilli: n.cpuCapacityMilli,
      memCapacityBytes: n.memCapacityBytes,
      cpuAllocatableMilli: n.cpuAllocatableMilli,
      memAllocatableBytes: n.memAllocatableBytes,
      podCount: n.podCount ?? null,
      unschedulable: n.unschedulable ?? false,
      pressures: n.pressures ?? [],
      internalIp: n.internalIP ?? null,
      osImage: n.osImage ?? null,
      architecture: n.architecture ?? null,
      containerRuntime: n.containerRuntimeVersion ?? null,
      k8sCreatedAt: n.createdUnix ? new Date(n.createdUnix * 1000) : null,
    };
    const hash = rowHash(JSON.stringify(row));
    nodes.push({ name: n.name, status: n.status, row, hash, cpu: n.cpuUsageMilli ?? null, mem: n.memUsageBytes ?? null });
    parts.push(n.name, hash);
  }
  return { nodes, setHash: setDigest(parts) };
}

export type UsageVectors = {
  /** Identifies the (cluster, pod keys, node keys) combination; stable while nobody comes or goes. */
  keysId: string;
  podKeys: string[];
  nodeKeys: string[];
  podCpu: (number | null)[];
  podMem: (number | null)[];
  nodeCpu: (number | null)[];
  nodeMem: (number | null)[];
  /** False when not one value is known (no metrics anywhere): no sample is worth writing. */
  hasAny: boolean;
};

/** Usage of one beat as arrays aligned with key lists. `pods` is null for protocol-1 agents. */
export function usageVectors(clusterId: string, pods: PodInventory | null, nodes: PreparedNodes): UsageVectors {
  const podKeys = pods?.keys ?? [];
  const nodeKeys = nodes.nodes.map((n) => n.name);
  const podCpu = pods?.cpu ?? [];
  const podMem = pods?.mem ?? [];
  const nodeCpu = nodes.nodes.map((n) => n.cpu);
  const nodeMem = nodes.nodes.map((n) => n.mem);
  const hasAny = podCpu.some((v) => v !== null) || nodeCpu.some((v) => v !== null);
  // The cluster id is part of the digest: identical edge sites must not share (and prune) each other's key sets.
  const keysId = setDigest([clusterId, ...podKeys, '\u0000', ...nodeKeys]);
  return { keysId, podKeys, nodeKeys, podCpu, podMem, nodeCpu, nodeMem, hasAny };
}

export type PreparedEvent = {
  dedupeKey: string;
  at: Date;
  message: string;
  details: { namespace: string; kind: string; name: string; reason: string; message: string; count: number; lastSeen: number; source: string | null };
};

/**
 * Warning events keyed for deduplication: the event uid when the agent sends it, else
 * reason + involved object (a repeating Kubernetes event keeps its uid and bumps its count).
 */
export function prepareEvents(events: readonly WarningEvent[], now: Date): { events: PreparedEvent[]; setHash: string } {
  const byKeyMap = new Map<string, PreparedEvent>();
  for (const e of events) {
    const dedupeKey = e.uid ? `event:${e.uid}` : `event:${e.namespace}/${e.involvedKind}/${e.involvedName}/${e.reason}`;
    const prev = byKeyMap.get(dedupeKey);
    if (prev && prev.details.count >= e.count) continue;
    byKeyMap.set(dedupeKey, {
      dedupeKey,
      at: e.firstSeen ? new Date(e.firstSeen * 1000) : now,
      message: `${e.reason}: ${e.involvedKind} ${e.namespace}/${e.involvedName}: ${e.message}`,
      details: {
        namespace: e.namespace,
        kind: e.involvedKind,
        name: e.involvedName,
        reason: e.reason,
        message: e.message,
        count: e.count,
        lastSeen: e.lastSeen,
        source: e.source ?? null,
      },
    });
  }
  const list = [...byKeyMap.values()].sort((a, b) => (a.dedupeKey < b.dedupeKey ? -1 : 1));
  return { events: list, setHash: setDigest(list.map((e) => `${e.dedupeKey}#${e.details.count}#${e.details.lastSeen}`)) };
}
