// Waves, shared by agent self-update rollouts and deployment rollouts: how a set of clusters is cut into
// waves, and which wave a rollout works on next given where each cluster stands. Pure (no db, no clock).

/** The share of the fleet in the second wave (after the single canary cluster). */
export const SECOND_WAVE_SHARE = 0.1;

/** The fields of a cluster the wave plan reads. */
export type WaveCandidate = { id: string; name: string; environment: string };

/**
 * Cuts clusters into waves: one cluster, then 10 % of the fleet (at least one), then the rest; production
 * clusters always come last, in waves of their own cut the same way (so a fleet of only production clusters
 * still starts with a single canary). Within a group, by name (a stable, explainable order). Empty waves are
 * dropped; the result is waves of ids, first wave first.
 */
export function planWaves(clusters: readonly WaveCandidate[]): string[][] {
  const byName = (a: WaveCandidate, b: WaveCandidate): number => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  const others = clusters.filter((c) => c.environment !== 'production').sort(byName);
  const production = clusters.filter((c) => c.environment === 'production').sort(byName);
  const second = Math.max(1, Math.ceil(clusters.length * SECOND_WAVE_SHARE));
  const cut = (group: WaveCandidate[], canary: boolean): WaveCandidate[][] =>
    canary ? [group.slice(0, 1), group.slice(1, 1 + second), group.slice(1 + second)] : [group];
  const waves = [...cut(others, others.length > 0), ...cut(production, others.length === 0)];
  return waves.filter((w) => w.length > 0).map((w) => w.map((c) => c.id));
}

/**
 * Where one cluster of a rollout stands, in the words both rollouts share: waiting (its wave has not
 * started), active (told, not finished), done, failed, skipped (left out at start or by an abort).
 */
export type WavePhase = 'waiting' | 'active' | 'done' | 'failed' | 'skipped';

export type WaveMember = { wave: number; phase: WavePhase };

/**
 * hold: the current wave is still at work (or a failure holds it; the caller pauses on those first);
 * start: tell the waiting clusters of `wave` (the current one when it has not started, else the next wave
 * with anything left to do); complete: no wave has anything left.
 */
export type WaveStep = { kind: 'hold' } | { kind: 'start'; wave: number } | { kind: 'complete' };

/**
 * The next step of a rollout working on `current` of `waveCount` waves. A wave whose clusters were all
 * skipped passes at once; skipped clusters alone never count as a wave having started.
 */
export function nextWaveStep(members: readonly WaveMember[], current: number, waveCount: number): WaveStep {
  const open = (w: number): boolean => members.some((m) => m.wave === w && (m.phase === 'waiting' || m.phase === 'active'));
  const started = members.some((m) => m.wave === current && m.phase !== 'waiting' && m.phase !== 'skipped');
  if (!started && open(current)) return { kind: 'start', wave: current };
  let wave = current;
  while (wave < waveCount && !open(wave)) wave++;
  if (wave >= waveCount) return { kind: 'complete' };
  return wave === current ? { kind: 'hold' } : { kind: 'start', wave };
}
