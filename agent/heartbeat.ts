// The heartbeat loop: a full snapshot every ~15 s, from the watch-fed view (or listed, with NIRO_WATCH=false). The control plane's answer steers the interval.
import type { Capabilities, HeartbeatV2 } from '../src/contract/index.ts';
import { DEFAULT_HEARTBEAT_INTERVAL_SECONDS } from '../src/contract/index.ts';
import { CONTROL_PLANE_BACKOFF, REJECTED_RETRY_MS, backoffCeilingMs, computeBackoffMs, jitterInterval, retryDelayMs, sleep } from './backoff.ts';
import { composeViewBeat, createViewBeatMemory, type ViewBeatMemory } from './collect/from-view.ts';
import { collectHeartbeat } from './collect/snapshot.ts';
import { createTimestampReader, type TimestampReader } from './collect/text.ts';
import type { KubeApi } from './kube-api.ts';
import type { Logger } from './log.ts';
import type { NiroClient } from './niro-client.ts';
import type { AgentSession } from './session.ts';
import { attachWorkloads, attachWorkloadsBase, createTemplateMemory, rememberTemplates, type TemplateMemory } from './heartbeat-workloads.ts';
import type { ClusterView } from './view.ts';
import { attachManaged, rememberManaged, type ManagedMemory, type ManagedView } from './managed.ts';
import type { WatchCache } from './watch-cache.ts';
import { applyUpdateRequest, type SelfUpdateMemory } from './self-update.ts';
import { type DescribedPods, describePods, fillPods, makeDelta, rememberInventory, type InventoryMemory } from './heartbeat-delta.ts';

export const KEY_REJECTED_MESSAGE = 'agent key rejected: cluster deleted or key revoked';

export interface HeartbeatDeps {
  kube: KubeApi;
  client: NiroClient;
  log: Logger;
  session: AgentSession;
  agentVersion: string;
  namespace: string;
  /** NIRO_MAX_PODS. */
  maxPods: number;
  signal: AbortSignal;
  /** Workloads and PodDisruptionBudgets kept by watches (protocol 4); absent: the heartbeat carries none. */
  workloads?: WatchCache;
  /** Pods, nodes, events and owners kept by watches; absent: they are listed every beat (NIRO_WATCH=false). */
  view?: ClusterView;
  /**
   * Starts the managed-object view (protocol 8); called once, by the first beat whose apply capability is on — the
   * read-only role cannot list what Niro applies, and Niro applies nothing without the capability.
   */
  startManaged?: () => ManagedView;
  /** Tries to enroll again after the key was rejected (once per token); returns whether it worked. */
  reenroll?: () => Promise<boolean>;
}

/** Outcome of one beat: how long to wait before the next. Exported for tests. */
export interface BeatOutcome {
  waitMs: number;
  sent: boolean;
}

function describeCapabilities(capabilities: Capabilities): Record<string, boolean> {
  return Object.fromEntries(Object.entries(capabilities).map(([name, c]) => [name, c.enabled]));
}

/** The loop's state between beats. */
export interface HeartbeatState {
  failures: number;
  intervalSeconds: number;
  /** The server's maxPods from its last answer. */
  serverMaxPods: number | null;
  /** Lowered after a 413 so the next beat fits. */
  sizeCap: number | null;
  lastCapabilities: string | null;
  /** Pod timestamps already parsed: they rarely change from one beat to the next. */
  toUnix: TimestampReader;
  /** Pod templates the server has from this process. */
  templates: TemplateMemory;
  /** The image this process already rolled its Deployment to (self-update). */
  selfUpdate: SelfUpdateMemory;
  /** The pod inventory the server acknowledged (protocol 6): the next beat may be a delta on it. */
  inventory: InventoryMemory | null;
  /** What the view beats reuse while nothing moved (the joined pods, their order). */
  view: ViewBeatMemory;
  /** The managed-object view, once started, and the set the server acknowledged. */
  managedView: ManagedView | null;
  managed: ManagedMemory;
}

export function createHeartbeatState(): HeartbeatState {
  return {
    failures: 0,
    intervalSeconds: DEFAULT_HEARTBEAT_INTERVAL_SECONDS,
    serverMaxPods: null,
    sizeCap: null,
    lastCapabilities: null,
    toUnix: createTimestampReader(),
    templates: createTemplateMemory(),
    selfUpdate: { patchedImage: null },
    inventory: null,
    view: createViewBeatMemory(),
    managedView: null,
    managed: { acknowledged: null },
  };
}

/** The first beat waits this long at most for the workload watches' first lists. */
const WORKLOADS_START_MS = 10_000;

/** One heartbeat: collect, send, interpret the answer. Never throws. */
export async function beatOnce(deps: HeartbeatDeps, state: HeartbeatState, nowMs: number = Date.now()): Promise<BeatOutcome> {
  const maxPods = Math.min(deps.maxPods, state.serverMaxPods ?? Infinity, state.sizeCap ?? Infinity);
  let body: HeartbeatV2;
  let described: DescribedPods | null;
  try {
    const options = {
      agentVersion: deps.agentVersion,
      namespace: deps.namespace,
      maxPods,
      nowUnix: Math.floor(nowMs / 1000),
      toUnix: state.toUnix,
      onDegraded: (what: string, error: unknown) => deps.log.debug('partial read', { what, error }),
    };
    if (deps.view) {
      await deps.view.whenStarted(WORKLOADS_START_MS);
      ({ body, described } = await composeViewBeat(deps.kube, deps.view, options, state.view));
    } else {
      body = await collectHeartbeat(deps.kube, options);
      described = describePods(body);
    }
  } catch (error) {
    // The Kubernetes API is down or refusing us; a partial snapshot would wipe the inventory server-side.
    state.failures++;
    deps.log.warn('cannot read the Kubernetes API; heartbeat skipped', { error, attempt: state.failures });
    return { waitMs: computeBackoffMs(state.failures, CONTROL_PLANE_BACKOFF), sent: false };
  }

  let workloadsSource: number | null = null;
  if (deps.workloads) {
    await deps.workloads.whenStarted(WORKLOADS_START_MS);
    // Read before the objects, with no await between: the list is never older than the generation it is filed under.
    workloadsSource = deps.workloads.generation();
    if (!attachWorkloadsBase(body, workloadsSource, state.templates)) attachWorkloads(body, deps.workloads.objects(), state.templates);
  }

  if (deps.startManaged && !state.managedView && body.capabilities.apply.enabled) state.managedView = deps.startManaged();
  if (state.managedView) await state.managedView.whenStarted(WORKLOADS_START_MS);
  const managedSent = attachManaged(body, state.managedView ?? undefined, state.managed);

  const capabilities = JSON.stringify(describeCapabilities(body.capabilities));
  if (capabilities !== state.lastCapabilities) {
    deps.log.info('capabilities', describeCapabilities(body.capabilities));
    state.lastCapabilities = capabilities;
  }
  if (body.podsTruncated) deps.log.warn('pod list truncated', { sent: body.pods.length, total: body.podsTotal });

  const podsListed = described ? described.keys.length : body.pods.length;
  if (described && state.inventory) makeDelta(body, described, state.inventory);
  else if (described) fillPods(body, described);
  // Until the server answers, nothing is acknowledged: an unanswered beat is followed by a full one.
  state.inventory = null;
  const result = await deps.client.heartbeat(deps.session.key, body, deps.signal);
  if (result.ok) {
    if (deps.session.keyRejected) deps.log.info('agent key accepted again');
    deps.session.markKeyAccepted();
    if (state.failures > 0) deps.log.info('heartbeat recovered', { afterFailures: state.failures });
    state.failures = 0;
    state.intervalSeconds = result.value.nextIntervalSeconds;
    state.serverMaxPods = result.value.maxPods ?? null;
    rememberTemplates(state.templates, body, result.value, workloadsSource);
    state.inventory = rememberInventory(described, result.value);
    rememberManaged(state.managed, managedSent, result.value);
    await applyUpdateRequest(deps, state.selfUpdate, body.capabilities, result.value.update);
    // commandsPending needs no action: the command loop's long-poll is always open and gets them first.
    deps.log.debug('heartbeat sent', {
      pods: podsListed,
      delta: body.inventory ? { changed: body.inventory.changed.length, removed: body.inventory.removed.length } : undefined,
      nodes: body.nodes.length,
      events: body.events.length,
      workloads: body.workloads?.length ?? (body.workloadsBase ? 'unchanged' : undefined),
      templates: body.workloads?.filter((w) => w.template).length,
      managed: body.managed?.length,
      commandsPending: result.value.commandsPending,
    });
    return { waitMs: jitterInterval(state.intervalSeconds * 1000), sent: true };
  }

  const { failure } = result;
  switch (failure.kind) {
    case 'unauthorized': {
      deps.session.markKeyRejected();
      // A deleted cluster stays deleted: retry rarely, so it costs the control plane next to nothing.
      const waitMs = jitterInterval(REJECTED_RETRY_MS);
      deps.log.error(KEY_REJECTED_MESSAGE, { status: failure.status, reason: failure.message, retryInMs: waitMs });
      if (deps.reenroll && (await deps.reenroll())) return { waitMs: 0, sent: false };
      return { waitMs, sent: false };
    }
    case 'too-large': {
      // Halve what we send until it fits; the truncated flag tells the operator.
      state.sizeCap = Math.max(1, Math.floor(podsListed / 2));
      deps.log.warn('heartbeat too large; sending fewer pods', { pods: podsListed, nextCap: state.sizeCap });
      return { waitMs: computeBackoffMs(1, CONTROL_PLANE_BACKOFF), sent: false };
    }
    case 'rate-limited': {
      state.failures++;
      const waitMs = failure.retryAfterSeconds !== undefined ? failure.retryAfterSeconds * 1000 : computeBackoffMs(state.failures, CONTROL_PLANE_BACKOFF);
      deps.log.warn('heartbeat rate-limited', { waitMs });
      return { waitMs, sent: false };
    }
    default: {
      // rejected (a contract mismatch: the message says which field) or unavailable: back off, and never
      // sooner than a busy server's Retry-After (a 503 while it decompresses as much as it allows).
      state.failures++;
      const log = failure.kind === 'rejected' ? deps.log.error : deps.log.warn;
      // The delay is logged with the ceiling its jitter was drawn from: the ceiling doubles per failure (up to the cap).
      // Never longer than a heartbeat interval: a control plane (or its database) back from a restart hears from every
      // agent within one interval, spread over it by the jitter, as their beats are anyway.
      const waitMs = Math.min(retryDelayMs(failure.retryAfterSeconds, state.failures, CONTROL_PLANE_BACKOFF), jitterInterval(state.intervalSeconds * 1000));
      log('heartbeat failed', {
        status: failure.status,
        reason: failure.message,
        attempt: state.failures,
        retryInMs: waitMs,
        retryCeilingMs: backoffCeilingMs(state.failures, CONTROL_PLANE_BACKOFF),
      });
      return { waitMs, sent: false };
    }
  }
}

/** Beats until aborted. */
export async function runHeartbeatLoop(deps: HeartbeatDeps): Promise<void> {
  const state = createHeartbeatState();
  // The first lists leave their pages as garbage; collecting it before the first (full) beat lets that beat, the
  // largest allocation of the process's life, reuse the memory instead of growing the heap past the steady state.
  await Promise.all([deps.view?.whenStarted(WORKLOADS_START_MS), deps.workloads?.whenStarted(WORKLOADS_START_MS)]);
  Bun.gc(true);
  while (!deps.signal.aborted) {
    const outcome = await beatOnce(deps, state);
    if (deps.signal.aborted) break;
    await sleep(outcome.waitMs, deps.signal);
  }
}
