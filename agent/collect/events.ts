// Warning events → contract WarningEvent: the recent window, newest first, bounded.
import type { WarningEvent } from '../../src/contract/index.ts';
import { LIMITS } from '../../src/contract/index.ts';
import type { Event } from '../kube-objects.ts';
import { clampText, toUnixSeconds } from './text.ts';

/** Events last seen longer ago than this are history, not news; the server keeps its own timeline. */
export const EVENT_WINDOW_SECONDS = 3600;

/**
 * Keeps Warning events last seen within the window before `nowUnix`, newest first, at most `max`.
 * core/v1 events carry first/lastTimestamp; events written through events.k8s.io carry eventTime and
 * series instead — both are read.
 */
export function mapWarningEvents(
  events: Event[],
  nowUnix: number,
  windowSeconds: number = EVENT_WINDOW_SECONDS,
  max: number = LIMITS.eventsPerHeartbeat,
): WarningEvent[] {
  const mapped: WarningEvent[] = [];
  for (const event of events) {
    if (event.type !== 'Warning') continue;
    const created = toUnixSeconds(event.metadata.creationTimestamp);
    const firstSeen = toUnixSeconds(event.firstTimestamp) || toUnixSeconds(event.eventTime) || created;
    const lastSeen = toUnixSeconds(event.series?.lastObservedTime) || toUnixSeconds(event.lastTimestamp) || firstSeen || created;
    if (lastSeen < nowUnix - windowSeconds) continue;
    const warning: WarningEvent = {
      namespace: clampText(event.involvedObject?.namespace ?? event.metadata.namespace, LIMITS.name),
      involvedKind: clampText(event.involvedObject?.kind, LIMITS.word),
      involvedName: clampText(event.involvedObject?.name, LIMITS.name),
      reason: clampText(event.reason, LIMITS.word),
      message: clampText(event.message, LIMITS.message),
      count: Math.max(1, event.series?.count ?? event.count ?? 1),
      firstSeen,
      lastSeen,
    };
    if (event.metadata.uid) warning.uid = clampText(event.metadata.uid, 64);
    const source = event.source?.component || event.reportingComponent;
    if (source) warning.source = clampText(source, LIMITS.word);
    mapped.push(warning);
  }
  mapped.sort((a, b) => b.lastSeen - a.lastSeen);
  return mapped.slice(0, max);
}
