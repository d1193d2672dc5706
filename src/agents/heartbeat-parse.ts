// From heartbeat body text to a Snapshot, per the contract's validation strategy: check `protocol`
// first, then the schema of that protocol, so an error names its field (pods.3.restarts) instead of
// a union's "expected union value".
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import {
  HeartbeatProtocol,
  HeartbeatV1,
  HeartbeatV2,
  LIMITS,
  MIN_SUPPORTED_PROTOCOL,
  type Capabilities,
  type ManagedObject,
  type NodeInfo,
  type PodCounts,
  type PodDelta,
  type PodDetail,
  type WarningEvent,
  type WorkloadInfo,
} from '../contract';
import { parseJson } from '../http/body';

// Compiled once: a 1000-pod heartbeat checks in a few milliseconds instead of tens.
const checkProtocol = TypeCompiler.Compile(HeartbeatProtocol);
const checkV1 = TypeCompiler.Compile(HeartbeatV1);
const checkV2 = TypeCompiler.Compile(HeartbeatV2);

/** One heartbeat, whatever its protocol, as the ingest service uses it. */
export type Snapshot = {
  agentVersion: string;
  protocol: number;
  k8sVersion: string;
  distribution: string | null;
  platform: string | null;
  nodes: NodeInfo[];
  counts: PodCounts;
  /** null for protocol 1: the agent sends counts only. Empty in a delta beat until ingest rebuilds it. */
  pods: PodDetail[] | null;
  /** Protocol 6+ delta beat: the pods are this difference from the acknowledged generation. */
  inventory: PodDelta | null;
  /** The list is shorter than the cluster (the agent's cap or ours); podsTotal has the real number. */
  podsTruncated: boolean;
  podsTotal: number;
  /** True when this server dropped pods beyond its own cap (as opposed to the agent). */
  truncatedByServer: boolean;
  events: WarningEvent[];
  capabilities: Capabilities | null;
  /** null for agents before protocol 4: they send no workloads. */
  workloads: WorkloadInfo[] | null;
  workloadsTruncated: boolean;
  /** Protocol 7+: the acknowledged workloads generation the agent's workloads still equal, sent instead of them. */
  workloadsBase: string | null;
  /** Protocol 8+: the managed objects, when this beat carries them (replacing the stored set); null otherwise. */
  managed: ManagedObject[] | null;
};

export type ParseResult = { ok: true; snapshot: Snapshot } | { ok: false; code: 'invalid_heartbeat' | 'unsupported_protocol'; message: string };

/** "field.path: problem" for the first error, the way every validation error of the API reads. */
export function firstError<T extends TSchema>(check: TypeCheck<T>, value: unknown): string {
  const e = check.Errors(value).First();
  if (!e) return 'invalid value';
  const field = e.path.replace(/^\//, '').replace(/\//g, '.') || 'body';
  return `${field}: ${e.message}`;
}

/**
 * Parses and validates. Pods beyond `maxPods` are dropped before validation and the snapshot says
 * so (never silently): the cap bounds the work, and the first `maxPods` pods are still stored.
 */
export function parseHeartbeat(text: string, maxPods: number): ParseResult {
  // Postgres text cannot hold NUL; refusing here beats failing inside the transaction.
  if (text.includes('\\u0000')) return { ok: false, code: 'invalid_heartbeat', message: 'body: contains a NUL character (\\u0000), which cannot be stored' };
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, code: 'invalid_heartbeat', message: parsed.message };
  const body = parsed.value;
  if (!checkProtocol.Check(body)) return { ok: false, code: 'invalid_heartbeat', message: firstError(checkProtocol, body) };
  const protocol = body.protocol;
  if (protocol < MIN_SUPPORTED_PROTOCOL) {
    return {
      ok: false,
      code: 'unsupported_protocol',
      message: `protocol: ${protocol} is older than the oldest supported (${MIN_SUPPORTED_PROTOCOL}); upgrade the agent`,
    };
  }
  if (protocol === 1) {
    if (!checkV1.Check(body)) return { ok: false, code: 'invalid_heartbeat', message: firstError(checkV1, body) };
    return {
      ok: true,
      snapshot: {
        agentVersion: body.agentVersion,
        protocol: 1,
        k8sVersion: body.k8sVersion,
        distribution: null,
        platform: null,
        nodes: body.nodes,
        counts: { pods: body.pods, podsRunning: body.podsRunning, podsFailed: body.podsFailed, namespaces: body.namespaces },
        pods: null,
        podsTruncated: false,
        podsTotal: body.pods,
        truncatedByServer: false,
        events: [],
        capabilities: null,
        workloads: null,
        workloadsTruncated: false,
        workloadsBase: null,
        managed: null,
        inventory: null,
      },
    };
  }
  const cap = Math.min(maxPods, LIMITS.podsPerHeartbeat);
  const raw = body as { pods?: unknown };
  let received = 0;
  if (Array.isArray(raw.pods) && raw.pods.length > cap) {
    received = raw.pods.length;
    raw.pods = raw.pods.slice(0, cap);
  }
  // Protocol 3+ validates against protocol 2: newer fields are optional there and objects are open.
  if (!checkV2.Check(body)) return { ok: false, code: 'invalid_heartbeat', message: firstError(checkV2, body) };
  const truncatedByServer = received > 0;
  // A delta beat's pods travel in `inventory`; a list beside it would be ambiguous.
  const inventory = protocol >= 6 ? (body.inventory ?? null) : null;
  if (inventory && (body.pods.length > 0 || received > 0))
    return { ok: false, code: 'invalid_heartbeat', message: 'pods: must be empty when inventory (a delta) is sent' };
  const workloadsBase = protocol >= 7 ? (body.workloadsBase ?? null) : null;
  if (workloadsBase !== null && body.workloads !== undefined)
    return { ok: false, code: 'invalid_heartbeat', message: 'workloadsBase: must not be sent with workloads' };
  return {
    ok: true,
    snapshot: {
      agentVersion: body.agentVersion,
      protocol,
      k8sVersion: body.k8sVersion,
      distribution: body.distribution,
      platform: body.platform,
      nodes: body.nodes,
      counts: body.counts,
      pods: body.pods,
      podsTruncated: body.podsTruncated || truncatedByServer,
      podsTotal: Math.max(body.podsTotal, received, body.pods.length),
      truncatedByServer,
      events: body.events,
      capabilities: body.capabilities,
      workloads: body.workloads ?? null,
      workloadsTruncated: workloadsBase === null ? (body.workloadsTruncated ?? false) : false,
      workloadsBase,
      managed: body.managed ?? null,
      inventory,
    },
  };
}
