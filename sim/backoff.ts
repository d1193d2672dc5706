// The kubelet's crash back-off for one container, as pkg/kubelet uses client-go's flowcontrol.Backoff (10 s
// initial, 5 min cap): a container that exits is started again at once the first time, then only after 10 s,
// 20 s, 40 s … 5 min; and a container that ran longer than twice the cap (10 min) since its last start has its
// back-off forgotten, so its next exit restarts it at once again. Pure: times in ms, no clock.

export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

/** The kubelet's entry for one container: the current delay and when it last started the container. */
export type CrashBackOff = { delayMs: number; updatedAt: number };

// flowcontrol's hasExpired: "consider stable if it's ok for twice the maxDuration".
function expired(backOff: CrashBackOff, exitedAt: number): boolean {
  return exitedAt - backOff.updatedAt > 2 * BACKOFF_MAX_MS;
}

/** When a container that exited at `exitedAt` is started again (IsInBackOffSince, measured from the exit). */
export function restartAt(backOff: CrashBackOff | null, exitedAt: number): number {
  return backOff === null || expired(backOff, exitedAt) ? exitedAt : exitedAt + backOff.delayMs;
}

/** The entry after the kubelet starts the container again at `at`, following its exit at `exitedAt` (Next). */
export function nextBackOff(backOff: CrashBackOff | null, exitedAt: number, at: number): CrashBackOff {
  if (backOff === null || expired(backOff, exitedAt)) return { delayMs: BACKOFF_INITIAL_MS, updatedAt: at };
  return { delayMs: Math.min(backOff.delayMs * 2, BACKOFF_MAX_MS), updatedAt: at };
}
