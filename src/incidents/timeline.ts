// How incident changes read on a cluster's timeline.
import type { NewTimelineEntry } from '../clusters/timeline';
import type { ReconcileResult } from './reconcile';

export function incidentTimeline(r: ReconcileResult): NewTimelineEntry[] {
  const line = (verb: string, i: ReconcileResult['opened'][number]): NewTimelineEntry => ({
    kind: 'incident',
    message: `Incident ${verb}: ${i.title}`,
    details: { incidentId: i.id, kind: i.kind, severity: i.severity, subject: i.subject },
  });
  return [
    ...r.opened.map((i) => line('opened', i)),
    ...r.reopened.map((i) => line('reopened', i)),
    ...r.escalated.map((i) => line(`now ${i.severity}`, i)),
    ...r.resolved.map((i) => line('resolved', i)),
  ];
}
