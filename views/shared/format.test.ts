// The shared number formats read like a person wrote them: binary units without a stray ".0", counts with the
// right plural, load levels at 70 % and 90 %, and memory axis steps on round binary figures.
import { describe, expect, test } from 'bun:test';
import { BINARY_TICK_STEPS, formatBytes, formatCpu, formatUsedOf, loadLevel, plural } from './format';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('formatBytes and formatCpu', () => {
  test('binary units, one decimal below 10, none when it is zero', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(256 * MiB)).toBe('256 MiB');
    expect(formatBytes(GiB)).toBe('1 GiB');
    expect(formatBytes(2 * GiB)).toBe('2 GiB');
    expect(formatBytes(1.5 * GiB)).toBe('1.5 GiB');
    expect(formatBytes(23.3 * GiB)).toBe('23 GiB');
  });
  test('millicores below a core, cores from one up', () => {
    expect(formatCpu(250)).toBe('250m');
    expect(formatCpu(1000)).toBe('1 core');
    expect(formatCpu(1500)).toBe('1.5 cores');
    expect(formatCpu(4000)).toBe('4 cores');
    expect(formatCpu(12000)).toBe('12 cores');
  });
});

test('used of total says a shared unit once', () => {
  expect(formatUsedOf(3600, 12000, formatCpu)).toBe('3.6 / 12 cores');
  expect(formatUsedOf(512, 4000, formatCpu)).toBe('512m / 4 cores');
  expect(formatUsedOf(9 * GiB, 24 * GiB, formatBytes)).toBe('9 / 24 GiB');
  expect(formatUsedOf(300 * MiB, 2 * GiB, formatBytes)).toBe('300 MiB / 2 GiB');
});

test('plural: one, many, irregular, thousands', () => {
  expect(plural(1, 'restart')).toBe('1 restart');
  expect(plural(0, 'restart')).toBe('0 restarts');
  expect(plural(2, 'point')).toBe('2 points');
  expect(plural(1, 'entry', 'entries')).toBe('1 entry');
  expect(plural(3, 'entry', 'entries')).toBe('3 entries');
  expect(plural(12500, 'pod')).toBe('12,500 pods');
});

test('loadLevel: normal below 70 %, warning from 70 %, critical from 90 %', () => {
  expect([0, 25, 69.9, 70, 89, 90, 100, 250].map(loadLevel)).toEqual(['normal', 'normal', 'normal', 'warn', 'warn', 'crit', 'crit', 'crit']);
});

test('memory axis steps are powers of two, through KiB, MiB and GiB', () => {
  for (const step of [256 * MiB, 512 * MiB, GiB, 2 * GiB, 64 * 1024]) expect(BINARY_TICK_STEPS).toContain(step);
  // 954 MiB (10^9 bytes) is what decimal steps produce: never a step here.
  expect(BINARY_TICK_STEPS).not.toContain(1e9);
  expect(BINARY_TICK_STEPS.every((s, i) => i === 0 || s === BINARY_TICK_STEPS[i - 1] * 2)).toBe(true);
  expect(BINARY_TICK_STEPS.map(formatBytes).slice(18, 22)).toEqual(['256 MiB', '512 MiB', '1 GiB', '2 GiB']);
});
