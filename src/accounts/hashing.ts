// Password hashing is the most expensive thing an anonymous client can make us do (argon2id: tens of
// milliseconds of CPU and 64 MiB of memory each), so it runs behind a gate shared by the whole replica: server.ts
// creates one (createPasswordHashing) in its replica state and every caller that hashes is handed it.
import { availableParallelism } from 'node:os';
import { randomId } from '../security/secrets';

export type HashGate = {
  /** Runs `fn` when a slot is free, waiting as long as it takes (signed-in users changing passwords, admins adding members). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` when a slot is free or the bounded queue has room; `{ ok: false }` at once otherwise. */
  tryRun<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }>;
  readonly active: number;
  readonly waiting: number;
};

/**
 * At most `concurrency` hashes at once; `tryRun` callers beyond that wait in a queue of at most `queue`.
 * Queueing a little absorbs a burst of real sign-ins (everyone opening the dashboard at nine); refusing
 * beyond it keeps a flood from making every sign-in slow and from holding 64 MiB per waiting hash.
 */
export function createHashGate(opts: { concurrency: number; queue: number }): HashGate {
  let active = 0;
  const waiters: (() => void)[] = [];
  let boundedWaiting = 0;

  const release = (): void => {
    const next = waiters.shift();
    if (next) next();
    else active--;
  };
  const acquire = (): Promise<void> => {
    if (active < opts.concurrency) {
      active++;
      return Promise.resolve();
    }
    // The slot passes straight from the releasing caller to the next waiter (active stays the same).
    return new Promise((resolve) => waiters.push(resolve));
  };
  const runHeld = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } finally {
      release();
    }
  };

  return {
    async run(fn) {
      await acquire();
      return runHeld(fn);
    },
    async tryRun(fn) {
      if (active >= opts.concurrency) {
        if (boundedWaiting >= opts.queue) return { ok: false };
        boundedWaiting++;
        try {
          await acquire();
        } finally {
          boundedWaiting--;
        }
      } else {
        await acquire();
      }
      return { ok: true, value: await runHeld(fn) };
    },
    get active() {
      return active;
    },
    get waiting() {
      return waiters.length;
    },
  };
}

const SLOTS = Math.min(4, Math.max(1, availableParallelism()));

/** A replica's gate: one hash per core (at most 4), and up to 8 sign-ins per slot waiting. */
export function createPasswordHashing(): HashGate {
  return createHashGate({ concurrency: SLOTS, queue: 8 * SLOTS });
}

export function hashPassword(gate: HashGate, password: string): Promise<string> {
  return gate.run(() => Bun.password.hash(password));
}

export function checkPassword(gate: HashGate, password: string, hash: string): Promise<boolean> {
  return gate.run(() => Bun.password.verify(password, hash));
}

// A real hash of a random password: verifying against it costs the same as against a user's,
// so an unknown email takes as long to refuse as a wrong password.
const DUMMY_HASH = Bun.password.hash(randomId());

/**
 * Checks a sign-in's password against the account's hash (or a dummy one when there is no such account,
 * so both take as long); 'busy' when the gate and its queue are full.
 */
export async function checkSignInPassword(gate: HashGate, password: string, hash: string | null): Promise<boolean | 'busy'> {
  const against = hash ?? (await DUMMY_HASH);
  const res = await gate.tryRun(() => Bun.password.verify(password, against));
  if (!res.ok) return 'busy';
  return res.value && hash !== null;
}
