// What is wrong in a cluster, from one heartbeat's facts: a pure function from a snapshot to a list of
// conditions, one per problem (pod-level problems grouped by their workload). The store reconciles the
// conditions with the cluster's incidents (reconcile.ts); nothing here reads the database or the clock.
import type { Environment } from '../clusters/vocabulary';
import type { NodeInfo, PodDetail, WorkloadKind } from '../contract';
import { KINDS, MAX_PODS_LISTED, SEVERITIES, severityFor, severityRank, type IncidentKind, type IncidentThresholds, type Severity } from './vocabulary';

/** Restarts between two heartbeats that count as a crash loop even when no beat caught the back-off. */
export const CRASH_LOOP_RESTARTS_PER_BEAT = 2;

/** A crash-loop incident closes once its pods have gone this long without crashing. */
export const CRASH_LOOP_QUIET_MS = KINDS.pod_crash_looping.quietMs;

/** Node conditions that open node_pressure (NetworkUnavailable and others are left to node_not_ready). */
const PRESSURES: ReadonlySet<string> = new Set(['MemoryPressure', 'DiskPressure', 'PIDPressure']);
const IMAGE_PULL_REASONS: ReadonlySet<string> = new Set(['ErrImagePull', 'ImagePullBackOff']);

/** What detection reads of a workload: the heartbeat's counts, and since when it is short (stored by ingest). */
export type WorkloadFacts = { kind: WorkloadKind; namespace: string; name: string; desired: number; ready: number; notReadySince?: Date | null };

export type DetectFacts = {
  protocol: number;
  agentVersion: string;
  /** null for protocol-1 agents (no pod list): no pod-level conditions. */
  pods: readonly PodDetail[] | null;
  nodes: readonly Pick<NodeInfo, 'name' | 'status' | 'pressures'>[];
  /** null for agents before protocol 4: no workload conditions. */
  workloads: readonly WorkloadFacts[] | null;
  podsTruncated: boolean;
  workloadsTruncated: boolean;
  /** Restart counts at the previous beat of the pods that changed ("ns/name" → restarts); absent = unknown. */
  previousRestarts?: ReadonlyMap<string, number>;
};

export type DetectContext = {
  environment: Environment;
  /** The newest protocol and agent version this server offers. */
  serverProtocol: number;
  serverAgentVersion: string;
};

/** One problem, as detection sees it now. */
export type Condition = {
  kind: IncidentKind;
  /** "" for the cluster, a node name, or the workload "ns/Kind/name" (a bare pod is "ns/Pod/name"). */
  subject: string;
  severity: Severity;
  title: string;
  details: Record<string, unknown>;
  /** Since when the condition holds, as far as the facts say (a pod's creation, a workload's notReadySince). */
  since: Date;
  /** The latest evidence (an OOM kill's time; otherwise now): a quiet kind resolves once this is old enough. */
  seenAt: Date;
  /** Threshold kinds: when the incident may open (since + the org's threshold); null = at once. */
  opensAt: Date | null;
};

/** The workload subject a pod belongs to: the top of its ownership chain, or the pod itself. */
export function workloadSubject(pod: Pick<PodDetail, 'namespace' | 'name' | 'ownerKind' | 'ownerName'>): string {
  // A static pod's owner is its Node: it is its own workload, like a bare pod.
  if (!pod.ownerKind || !pod.ownerName || pod.ownerKind === 'Node') return `${pod.namespace}/Pod/${pod.name}`;
  return `${pod.namespace}/${pod.ownerKind}/${pod.ownerName}`;
}

function describeSubject(subject: string): string {
  const [ns, kind, ...rest] = subject.split('/');
  return `${kind} ${ns}/${rest.join('/')}`;
}

/** -1, 0, 1 as a < b, equal, a > b over dotted numbers ("1.10.0" > "1.9.2"); null when either isn't one. */
export function compareVersions(a: string, b: string): number | null {
  const parse = (v: string): number[] | null => {
    const m = /^v?(\d+(?:\.\d+)*)/.exec(v.trim());
    return m ? m[1].split('.').map(Number) : null;
  };
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return null;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

type PodGroup = { count: number; pods: string[]; since: number; seenAt: number; reasons: Set<string> };

function raise(s: Severity): Severity {
  return SEVERITIES[Math.min(2, severityRank(s) + 1)];
}

/**
 * Every condition the facts show, at time `now`. Pod-level kinds come grouped per workload with a count
 * and at most MAX_PODS_LISTED pod names; a pod counts once per kind, and a pod that is failing to pull or
 * crash-looping is not also "pending". Linear in pods + nodes + workloads.
 */
export function detect(facts: DetectFacts, ctx: DetectContext, thresholds: IncidentThresholds, now: Date): Condition[] {
  const t = now.getTime();
  const out: Condition[] = [];
  const sev = (kind: IncidentKind): Severity => severityFor(kind, ctx.environment);
  const groups = new Map<IncidentKind, Map<string, PodGroup>>();
  const add = (kind: IncidentKind, subject: string, pod: string, since: number, seenAt: number, reason: string | null): void => {
    let byKind = groups.get(kind);
    if (!byKind) groups.set(kind, (byKind = new Map()));
    let g = byKind.get(subject);
    if (!g) byKind.set(subject, (g = { count: 0, pods: [], since, seenAt, reasons: new Set() }));
    g.count++;
    if (g.pods.length < MAX_PODS_LISTED) g.pods.push(pod);
    if (since < g.since) g.since = since;
    if (seenAt > g.seenAt) g.seenAt = seenAt;
    if (reason) g.reasons.add(reason);
  };
  const oomWindow = t - KINDS.oom_killed.quietMs;

  for (const p of facts.pods ?? []) {
    let crashing = p.status === 'CrashLoopBackOff';
    let pulling = false;
    let oomAt = 0;
    let lastExit: string | null = null;
    for (const c of p.containerDetails) {
      if (c.state === 'waiting' && c.stateReason === 'CrashLoopBackOff') crashing = true;
      if (c.state === 'waiting' && c.stateReason && IMAGE_PULL_REASONS.has(c.stateReason)) pulling = true;
      if (c.lastTerminationReason) lastExit = c.lastTerminationReason;
      if (c.lastTerminationReason === 'OOMKilled' && c.lastTerminatedAt) oomAt = Math.max(oomAt, c.lastTerminatedAt * 1000);
      if (c.state === 'terminated' && c.stateReason === 'OOMKilled') oomAt = t;
    }
    const key = `${p.namespace}/${p.name}`;
    const prev = facts.previousRestarts?.get(key);
    if (prev !== undefined && p.restarts - prev >= CRASH_LOOP_RESTARTS_PER_BEAT) crashing = true;
    // An OOM kill without a time (older agents) counts when this beat saw the pod restart.
    if (!oomAt && lastExit === 'OOMKilled' && prev !== undefined && p.restarts > prev) oomAt = t;
    if (!crashing && !pulling && !(oomAt > oomWindow) && p.phase !== 'Pending') continue;
    const subject = workloadSubject(p);
    const created = p.createdUnix ? p.createdUnix * 1000 : t;
    if (crashing) add('pod_crash_looping', subject, p.name, created, t, lastExit);
    if (pulling) add('image_pull_failing', subject, p.name, created, t, null);
    if (oomAt > oomWindow) add('oom_killed', subject, p.name, oomAt, oomAt, null);
    if (p.phase === 'Pending' && !crashing && !pulling) add('pod_pending_too_long', subject, p.name, created, t, p.nodeName ? 'stuck' : 'unschedulable');
  }

  const POD_TEXT: Partial<Record<IncidentKind, string>> = {
    pod_crash_looping: 'crash-looping',
    image_pull_failing: 'failing to pull its image',
    oom_killed: 'OOM-killed',
    pod_pending_too_long: 'pending',
  };
  for (const [kind, byKind] of groups) {
    for (const [subject, g] of byKind) {
      const opensAt = kind === 'pod_pending_too_long' ? new Date(g.since + thresholds.pendingAfterSeconds * 1000) : null;
      const pods = g.count === 1 ? `pod ${g.pods[0]} is` : `${g.count} pods are`;
      const reasons = [...g.reasons].sort();
      out.push({
        kind,
        subject,
        severity: sev(kind),
        title: `${describeSubject(subject)}: ${pods} ${POD_TEXT[kind]}${reasons.length ? ` (${reasons.join(', ')})` : ''}`,
        details: { count: g.count, pods: g.pods, ...(reasons.length ? { reasons } : {}) },
        since: new Date(g.since),
        seenAt: new Date(g.seenAt),
        opensAt,
      });
    }
  }

  for (const n of facts.nodes) {
    if (n.status !== 'Ready')
      out.push({
        kind: 'node_not_ready',
        subject: n.name,
        severity: sev('node_not_ready'),
        title: `Node ${n.name} is ${n.status}`,
        details: { status: n.status },
        since: now,
        seenAt: now,
        opensAt: null,
      });
    const pressures = (n.pressures ?? []).filter((p) => PRESSURES.has(p)).sort();
    if (pressures.length)
      out.push({
        kind: 'node_pressure',
        subject: n.name,
        severity: sev('node_pressure'),
        title: `Node ${n.name}: ${pressures.join(', ')}`,
        details: { pressures },
        since: now,
        seenAt: now,
        opensAt: null,
      });
  }

  for (const w of facts.workloads ?? []) {
    if (w.ready >= w.desired) continue;
    const since = w.notReadySince ?? now;
    // None ready at all is an outage, not a degradation: one step up.
    const severity = w.ready === 0 ? raise(sev('workload_unavailable')) : sev('workload_unavailable');
    out.push({
      kind: 'workload_unavailable',
      subject: `${w.namespace}/${w.kind}/${w.name}`,
      severity,
      title: `${w.kind} ${w.namespace}/${w.name}: ${w.ready} of ${w.desired} ready`,
      details: { desired: w.desired, ready: w.ready },
      since,
      seenAt: now,
      opensAt: new Date(since.getTime() + thresholds.unavailableAfterSeconds * 1000),
    });
  }

  const older = compareVersions(facts.agentVersion, ctx.serverAgentVersion);
  if (facts.protocol < ctx.serverProtocol || (older !== null && older < 0))
    out.push({
      kind: 'agent_outdated',
      subject: '',
      severity: sev('agent_outdated'),
      title: `Agent ${facts.agentVersion} (protocol ${facts.protocol}) is older than ${ctx.serverAgentVersion} (protocol ${ctx.serverProtocol})`,
      details: { agentVersion: facts.agentVersion, protocol: facts.protocol, serverAgentVersion: ctx.serverAgentVersion, serverProtocol: ctx.serverProtocol },
      since: now,
      seenAt: now,
      opensAt: null,
    });

  if (facts.podsTruncated || facts.workloadsTruncated) {
    const what = [facts.podsTruncated ? 'pods' : '', facts.workloadsTruncated ? 'workloads' : ''].filter(Boolean).join(' and ');
    out.push({
      kind: 'heartbeat_truncated',
      subject: '',
      severity: sev('heartbeat_truncated'),
      title: `Heartbeat truncated: not every one of the cluster’s ${what} is reported`,
      details: { pods: facts.podsTruncated, workloads: facts.workloadsTruncated },
      since: now,
      seenAt: now,
      opensAt: null,
    });
  }
  return out;
}
