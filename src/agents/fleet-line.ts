// The heartbeat lines of every replica, as the replica running the pod index job sees them. The job runs on one
// replica (the one holding its lock), but the database it shares serves every replica's beats: on three replicas,
// the job's own replica can have no line while the other two have long ones, and a job that looked at its own line
// only took most of a connection while they refused beats (docs/scale.md). So each replica says how many of its beats
// wait, once a second while any do and once more when none do again, and the job gives way to the longest line.
import type { Bus } from '../db/bus';
import type { HeartbeatAdmission } from '../deps';

export const HEARTBEAT_LINE_CHANNEL = 'niro_heartbeat_line';

/** How often a replica with a line says so. */
const SAY_EVERY_MS = 1000;
/** A replica not heard from for this many intervals has no line (it stopped, or its line emptied unheard). */
const HEARD_FOR_INTERVALS = 3;

export type FleetLine = {
  /** The most beats waiting on any one replica now: this one's, or another's heard within the last few intervals. */
  longest(): number;
  stop(): Promise<void>;
};

/** A replica's word: its id and how many beats wait on it. Anything else on the channel is ignored. */
export function parseLineWord(payload: string): { replica: string; waiting: number } | null {
  try {
    const word = JSON.parse(payload) as { replica?: unknown; waiting?: unknown };
    if (typeof word.replica !== 'string' || word.replica.length > 64) return null;
    if (typeof word.waiting !== 'number' || !Number.isSafeInteger(word.waiting) || word.waiting < 0) return null;
    return { replica: word.replica, waiting: word.waiting };
  } catch {
    return null;
  }
}

/**
 * Starts saying this replica's line (its `admission`) on the bus and hearing the others'. A publish that fails (the
 * database away) is dropped: the next interval says it again.
 */
export async function startFleetLine(deps: {
  bus: Bus;
  admission: Pick<HeartbeatAdmission, 'stats'>;
  replicaId: string;
  everyMs?: number;
  now?: () => number;
}): Promise<FleetLine> {
  const everyMs = deps.everyMs ?? SAY_EVERY_MS;
  const now = deps.now ?? Date.now;
  const heard = new Map<string, { waiting: number; at: number }>();
  const unsubscribe = await deps.bus.subscribe(
    HEARTBEAT_LINE_CHANNEL,
    (payload) => {
      const word = parseLineWord(payload);
      if (!word || word.replica === deps.replicaId) return;
      if (word.waiting === 0) heard.delete(word.replica);
      else heard.set(word.replica, { waiting: word.waiting, at: now() });
    },
    // Words sent while this replica was not listening are lost; the others say theirs again within an interval.
    () => heard.clear(),
  );
  let said = 0;
  /** The last word's publish: stop waits for it, so nothing of this replica's is said after. */
  let saying: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    const waiting = deps.admission.stats().waiting;
    if (waiting === 0 && said === 0) return;
    said = waiting;
    saying = deps.bus.publish(HEARTBEAT_LINE_CHANNEL, JSON.stringify({ replica: deps.replicaId, waiting })).catch(() => undefined);
  }, everyMs);
  timer.unref?.();
  return {
    longest() {
      const since = now() - HEARD_FOR_INTERVALS * everyMs;
      let longest = deps.admission.stats().waiting;
      for (const [replica, word] of heard) {
        if (word.at < since) heard.delete(replica);
        else longest = Math.max(longest, word.waiting);
      }
      return longest;
    },
    async stop() {
      clearInterval(timer);
      await saying;
      await unsubscribe().catch(() => undefined);
    },
  };
}
