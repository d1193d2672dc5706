// Events as the kubelet and controllers record them: a repeat of the same reason and message on the same object
// bumps `count` and `lastTimestamp` of one Event instead of creating another; old events expire after an hour.
import type { Cluster } from './cluster-types.ts';
import { type EventInput, iso, renderEvent } from './objects.ts';
import { randomHex, randomUid } from './random.ts';

const EVENT_TTL_MS = 60 * 60 * 1000;

export function recordEvent(cluster: Cluster, input: EventInput, at: number = Date.now()): void {
  const key = `${input.involved.uid}|${input.reason}|${input.message}`;
  const existing = cluster.events.get(key);
  if (existing) {
    existing.count = Number(existing.count ?? 1) + 1;
    existing.lastTimestamp = iso(at);
    cluster.store.touch('events', existing);
    return;
  }
  const name = `${input.involved.name}.${randomHex(cluster.random, 16)}`;
  const event = renderEvent(input, name, randomUid(cluster.random), at, at, 1);
  cluster.events.set(key, event);
  cluster.store.put('events', event);
}

/**
 * Records the event unless the same one was recorded less than `everyMs` before `at`: a component that retries on a
 * period and says so each time (the kubelet in a crash-loop back-off) without one event per tick.
 */
export function recordPeriodicEvent(cluster: Cluster, input: EventInput, at: number, everyMs: number): void {
  const existing = cluster.events.get(`${input.involved.uid}|${input.reason}|${input.message}`);
  if (existing && at - Date.parse(String(existing.lastTimestamp)) < everyMs) return;
  recordEvent(cluster, input, at);
}

/** Seed an event that has been repeating since `first` (e.g. a crash loop that started before the simulator). */
export function recordRepeatedEvent(cluster: Cluster, input: EventInput, first: number, last: number, count: number): void {
  const key = `${input.involved.uid}|${input.reason}|${input.message}`;
  const event = renderEvent(input, `${input.involved.name}.${randomHex(cluster.random, 16)}`, randomUid(cluster.random), first, last, count);
  cluster.events.set(key, event);
  cluster.store.put('events', event);
}

/** Drop expired events, and the oldest beyond `max` so a long run stays bounded. */
export function pruneEvents(cluster: Cluster, now: number, max: number): void {
  const entries = [...cluster.events.entries()];
  const expired = entries.filter(([, e]) => now - Date.parse(String(e.lastTimestamp)) > EVENT_TTL_MS);
  const alive = entries.length - expired.length;
  const oldest =
    alive > max
      ? entries
          .filter(([, e]) => now - Date.parse(String(e.lastTimestamp)) <= EVENT_TTL_MS)
          .sort(([, a], [, b]) => String(a.lastTimestamp).localeCompare(String(b.lastTimestamp)))
          .slice(0, alive - max)
      : [];
  for (const [key, event] of [...expired, ...oldest]) {
    cluster.events.delete(key);
    cluster.store.remove('events', event.metadata.namespace, event.metadata.name);
  }
}

/** Forget the aggregation entries of events the API deleted (e.g. `kubectl delete events`). */
export function forgetEvent(cluster: Cluster, namespace: string | undefined, name: string): void {
  for (const [key, event] of cluster.events) {
    if (event.metadata.name === name && event.metadata.namespace === namespace) cluster.events.delete(key);
  }
}
