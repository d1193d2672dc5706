// How many heartbeats one replica stores at once, and how many may wait for that. A fleet that comes back
// together (every store rebooted overnight, a network partition healed) sends thousands of beats that each
// take the full path; without a bound they all queue for the database pool and every one of them waits, the
// agents time out and send again. With it, the beats over the bound are refused at once with 503 and a
// Retry-After drawn across the next interval, which the agents honour: the returns spread themselves out.
import type { HeartbeatAdmission } from '../deps';

/** At most `slots` held at once and `queue` waiting (first come, first served); beyond that `enter` answers null. */
export function createHeartbeatAdmission(slots: number, queue: number): HeartbeatAdmission {
  let held = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else held--;
  };
  return {
    enter() {
      if (held < slots) {
        held++;
        return Promise.resolve(once(release));
      }
      if (waiting.length >= queue) return null;
      return new Promise((resolve) => waiting.push(() => resolve(once(release))));
    },
    full: () => held >= slots && waiting.length >= queue,
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
