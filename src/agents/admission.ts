// How many heartbeats one replica stores at once, and how many may wait for that. A fleet that comes back
// together (every store rebooted overnight, a network partition healed) sends thousands of beats that each
// take the full path; without a bound they all queue for the database pool and every one of them waits, the
// agents time out and send again. With it, the beats over the bound are refused at once with 503 and a
// Retry-After drawn across the next interval, which the agents honour: the returns spread themselves out.
import type { HeartbeatAdmission } from '../deps';

/**
 * At most `slots` held at once and `queue` waiting (first come, first served); beyond that `enter` answers null. A
 * beat whose turn comes after more than `maxWaitMs` in line (0: no limit, as NIRO_HEARTBEAT_MAX_WAIT_MS says it) is
 * refused (its promise gives null) and the turn goes to the next: under a load the database cannot keep up with, the
 * line would otherwise stand full, every beat taken waiting as long as the whole line takes, with no more beats
 * stored for it. Refusing the stale ones keeps the wait
 * of those taken near `maxWaitMs` while a short burst still waits its turn.
 */
export function createHeartbeatAdmission(
  slots: number,
  queue: number,
  maxWaitMs = 0,
  now: () => number = performance.now.bind(performance),
): HeartbeatAdmission {
  let held = 0;
  const waiting: { since: number; resolve: (release: (() => void) | null) => void }[] = [];
  const release = (): void => {
    for (let next = waiting.shift(); next; next = waiting.shift()) {
      if (maxWaitMs > 0 && now() - next.since > maxWaitMs) {
        next.resolve(null);
        continue;
      }
      next.resolve(once(release));
      return;
    }
    held--;
  };
  return {
    enter() {
      if (held < slots) {
        held++;
        return Promise.resolve(once(release));
      }
      if (waiting.length >= queue) return null;
      return new Promise((resolve) => waiting.push({ since: now(), resolve }));
    },
    allHeld: () => held >= slots,
    stats: () => ({ held, waiting: waiting.length }),
  };
}

/** A release that counts once however often it is called. */
function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/**
 * The share of one database connection's time the pod index job may take on a replica whose heartbeats stand as
 * `stats` says, of `slots` turns: most of it while none waits, half once some do, a fifth once more wait than one
 * round of turns takes in. A cold index (a restore, a first enrollment wave) then catches up in the quiet moments
 * and gives way while a line builds, before the line fills and beats are refused.
 */
export function podIndexShare(stats: { waiting: number }, slots: number): number {
  if (stats.waiting === 0) return 0.9;
  return stats.waiting > slots ? 0.2 : 0.5;
}
