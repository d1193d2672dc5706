// The structured profiles write what the log viewer reads as structured: metrics-server's klog, local-path-
// provisioner's logfmt and the Go services' JSON come out in their format, at several levels each.
import { expect, test } from 'bun:test';
import { classifyLine } from '../static/logs-structured.ts';
import { createGenerator, profileForImage } from './log-profiles.ts';
import { createRandom } from './random.ts';

const T0 = Date.parse('2025-01-15T10:00:00Z');

function readLines(profile: string, records: number): { formats: Set<string>; levels: Set<string> } {
  const generator = createGenerator(profile, createRandom(9), 'app');
  const lines = [...generator.startup(T0)];
  for (let i = 0; i < records; i++) lines.push(...generator.next(T0 + i * 1000));
  const read = lines.map(classifyLine);
  return { formats: new Set(read.map((r) => r.format)), levels: new Set(read.map((r) => r.level ?? 'none')) };
}

test('klog, logfmt and JSON profiles: one format each, info, warnings and errors', () => {
  expect(profileForImage('rancher/mirrored-metrics-server:v0.7.2')).toBe('klog');
  expect(profileForImage('rancher/local-path-provisioner:v0.0.30')).toBe('logfmt');
  expect(profileForImage('registry.example.com/shop/api:1.14.2')).toBe('goJson');
  for (const [profile, format] of [
    ['klog', 'klog'],
    ['logfmt', 'logfmt'],
    ['goJson', 'json'],
  ] as const) {
    const { formats, levels } = readLines(profile, 600);
    expect({ profile, formats: [...formats] }).toEqual({ profile, formats: [format] });
    for (const level of ['info', 'warn', 'error']) expect({ profile, level, seen: levels.has(level) }).toEqual({ profile, level, seen: true });
  }
});
