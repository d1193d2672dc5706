// Self-heal's bound: when drift comes back after a heal, the next heal waits longer (1 min, 2, 4, … up to
// 1 h), so a fight with another controller that rewrites the same field settles into one apply an hour
// instead of a loop. Pure: the job reads the last heal, time is a parameter.
import type { DeploymentHeal } from './waves-schema';

export const HEAL_BASE_MS = 60_000;
export const HEAL_MAX_MS = 3_600_000;
/** A heal this long after the previous one starts a new streak: the last fight is over. */
export const HEAL_STREAK_RESET_MS = 2 * HEAL_MAX_MS;

export type HealDecision = { heal: false; retryAt: Date } | { heal: true; streak: number; nextAllowedAt: Date };

/** Whether drift seen at `now` may be healed, and if so the bound the heal sets for the next one. */
export function decideHeal(prev: Pick<DeploymentHeal, 'lastHealAt' | 'streak' | 'nextAllowedAt'> | null, now: Date): HealDecision {
  if (prev && now.getTime() < prev.nextAllowedAt.getTime()) return { heal: false, retryAt: prev.nextAllowedAt };
  const streak = prev && now.getTime() - prev.lastHealAt.getTime() < HEAL_STREAK_RESET_MS ? prev.streak + 1 : 1;
  const waitMs = Math.min(HEAL_MAX_MS, HEAL_BASE_MS * 2 ** Math.min(streak - 1, 20));
  return { heal: true, streak, nextAllowedAt: new Date(now.getTime() + waitMs) };
}
