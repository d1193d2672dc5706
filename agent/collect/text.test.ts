// Checks clamping of untrusted cluster text: bounded length, no split surrogate pairs, nothing Postgres refuses.
import { expect, test } from 'bun:test';
import { clampText, toUnixSeconds } from './text.ts';

test('clamps to the bound without splitting a surrogate pair', () => {
  expect(clampText('abcdef', 3)).toBe('abc');
  expect(clampText('ab😀cd', 3)).toBe('ab');
  expect(clampText('ab😀cd', 4)).toBe('ab😀');
  expect(clampText(undefined, 5)).toBe('');
});

test('NUL and lone surrogates become U+FFFD', () => {
  expect(clampText('a\u0000b', 10)).toBe('a\uFFFDb');
  expect(clampText('x\uD800y', 10)).toBe('x\uFFFDy');
  expect(clampText('ok 😀', 10)).toBe('ok 😀');
});

test('timestamps to unix seconds; 0 when absent or invalid', () => {
  expect(toUnixSeconds('2026-06-12T10:00:00Z')).toBe(1781258400);
  expect(toUnixSeconds('2026-06-12T10:00:00.999Z')).toBe(1781258400);
  expect(toUnixSeconds('not a time')).toBe(0);
  expect(toUnixSeconds(null)).toBe(0);
});
