// Self-heal's bound, known answers: the wait doubles per heal in a row up to 1 h, no heal inside the wait, a quiet spell resets it.
import { expect, test } from 'bun:test';
import { decideHeal, HEAL_MAX_MS } from './self-heal';

const T0 = new Date('2026-03-01T12:00:00Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const MIN = 60_000;

test('a fight with another controller: heals at 0, 1, 3, 7, 15, 31, 63 min, then once an hour', () => {
  let prev: { lastHealAt: Date; streak: number; nextAllowedAt: Date } | null = null;
  const heals: number[] = [];
  // The other controller re-creates the drift every 10 s for 5 hours; self-heal looks every 10 s.
  for (let t = 0; t <= 5 * 60 * MIN; t += 10_000) {
    const d = decideHeal(prev, at(t));
    if (!d.heal) continue;
    heals.push(t / MIN);
    prev = { lastHealAt: at(t), streak: d.streak, nextAllowedAt: d.nextAllowedAt };
  }
  expect(heals.slice(0, 8)).toEqual([0, 1, 3, 7, 15, 31, 63, 123]);
  expect(heals.length).toBe(10);
  expect(prev!.nextAllowedAt.getTime() - prev!.lastHealAt.getTime()).toBe(HEAL_MAX_MS);
});

test('inside the wait there is no heal, and the answer says when the next one may run', () => {
  const prev = { lastHealAt: T0, streak: 3, nextAllowedAt: at(4 * MIN) };
  expect(decideHeal(prev, at(3 * MIN))).toEqual({ heal: false, retryAt: at(4 * MIN) });
  expect(decideHeal(prev, at(4 * MIN))).toEqual({ heal: true, streak: 4, nextAllowedAt: at(12 * MIN) });
});

test('drift after a quiet spell of two hours starts again at one minute', () => {
  const prev = { lastHealAt: T0, streak: 7, nextAllowedAt: at(60 * MIN) };
  expect(decideHeal(prev, at(121 * MIN))).toEqual({ heal: true, streak: 1, nextAllowedAt: at(122 * MIN) });
  expect(decideHeal(null, T0)).toEqual({ heal: true, streak: 1, nextAllowedAt: at(MIN) });
});
