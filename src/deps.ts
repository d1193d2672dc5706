// What every route plugin is handed: the shared connections and settings, and the state this replica
// keeps for itself. Types only (its imports are type imports, gone at run time), so plugins import it
// instead of src/app.ts (which imports every plugin).
// server.ts creates the replica state once per process (tests build one per simulated replica).
import type { Config } from './config';
import type { Bus } from './db/bus';
import type { Db } from './db/client';
import type { Logger } from './log';
import type { StreamHub } from './streams/hub';
import type { CommandSignals } from './commands/signals';
import type { HashGate } from './accounts/hashing';
import type { Metrics } from './metrics';

/** A cluster as its agent key identifies it. */
export type AgentCluster = { id: string; orgId: string; name: string };

/** A key row as found: its cluster and the hash of its secret (the secret is checked on every request). */
export type CachedAgentKey = { cluster: AgentCluster; hash: string };

/**
 * Agent keys this replica found recently, by public id, so thousands of clusters beating every 15 s
 * do not each cost a query to find their row (src/agents/auth.ts). Entries lapse on their own;
 * deleting a cluster forgets its key at once.
 */
export type AgentKeyCache = {
  /** The entry if it is still fresh at `nowMs`; null otherwise. */
  get(publicId: string, nowMs: number): CachedAgentKey | null;
  /** The entry however old it is (until it is forgotten or crowded out): enough to refuse a request early, never to accept one. */
  recall(publicId: string): CachedAgentKey | null;
  set(publicId: string, key: CachedAgentKey, nowMs: number): void;
  forget(publicId: string): void;
  /** Forgets every entry (retirements may have been missed). */
  clear(): void;
  /**
   * The fresh entry, or else the key as `load` finds it (then cached; null when there is none). Misses
   * that arrive in the same turn of the event loop share one `load`: 40 agents beating at once cost one
   * query, not 40 queued for the pool's connections.
   */
  find(publicId: string, load: (publicIds: string[]) => Promise<Map<string, CachedAgentKey>>): Promise<CachedAgentKey | null>;
};

/**
 * Per cluster, the pod-inventory digest of the last heartbeat this replica took. It only picks which
 * write path a beat tries first, never the outcome (src/agents/heartbeat.ts bounds it).
 */
export type PodsHashHints = Map<string, string | null>;

/**
 * Decompressed bytes this replica's requests hold at once (src/http/body.ts): a body whose output would
 * pass it is refused with 503 instead of growing the process.
 */
export type InflateBudget = {
  /** Reserves `bytes` as they come out of a decompressor; false, reserving nothing, when that would pass the budget. */
  take(bytes: number): boolean;
  /** Ends a body's reservation: at once when it was `read` in full, drained over the next second when it `failed`. */
  /**
   * Ends a body's reservation of `bytes`. The `wasted` part of it (what a body that failed had inflated)
   * drains over the next second; the rest comes back at once.
   */
  give(bytes: number, wasted: number): void;
  /** Bytes counted now (held and still draining). */
  inUse(): number;
};

/** The heartbeats this replica stores at once (src/agents/admission.ts). */
export type HeartbeatAdmission = {
  /**
   * A slot (its release function, to call once the beat is answered), after waiting in line; null when the line is
   * full, or (resolved) when the beat waited past the line's longest wait and is refused instead of stored late.
   */
  enter(): Promise<(() => void) | null> | null;
  /** Every turn held: a beat arriving now would wait in line (so it waits before its body is read). */
  allHeld(): boolean;
  stats(): { held: number; waiting: number };
};

/** What one replica (one process) keeps in memory for itself. */
export type ReplicaState = {
  agentKeys: AgentKeyCache;
  podsHashes: PodsHashHints;
  /** This replica's live log streams (shut down when the replica stops). */
  streamHub: StreamHub;
  /** This replica's wake-ups of the command channel (a second set on the same bus would LISTEN twice). */
  commandSignals: CommandSignals;
  /** The gate every password hash of this replica waits behind (sign-in, password change, new accounts). */
  passwordHashing: HashGate;
  /** This replica's Prometheus registry and what records into it (GET /metrics). */
  metrics: Metrics;
  /** Shared by every request this replica decompresses. */
  inflating: InflateBudget;
  heartbeatAdmission: HeartbeatAdmission;
};

export type AppDeps = ReplicaState & {
  db: Db;
  bus: Bus;
  config: Config;
  log: Logger;
  /** True once migrations have been applied (readiness). */
  isReady?: () => boolean;
};
