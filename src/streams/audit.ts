// The audit record of a log stream's end. Every path that ends a stream (the owner finishing it, a DELETE
// nobody held, the sweeper) writes it here, so the event reads the same whoever ended it.
import type { Db } from '../db/client';
import { recordAudit } from '../audit/store';
import type { LogStreamRow } from './schema';

/** The stop audit event: who opened it, what, how much, why it ended — never the contents. */
export async function auditStop(db: Db, row: LogStreamRow, by?: { userId: string | null; email: string }): Promise<void> {
  const seconds = row.endedAt ? Math.max(0, Math.round((row.endedAt.getTime() - row.createdAt.getTime()) / 1000)) : null;
  await recordAudit(db, {
    orgId: row.orgId,
    actorUserId: by?.userId ?? row.createdBy,
    actor: by?.email ?? row.actor,
    action: 'logs.stop',
    target: row.id,
    details: {
      clusterId: row.clusterId,
      namespace: row.namespace,
      pod: row.pod,
      container: row.container,
      openedBy: row.actor,
      reason: row.endReason,
      bytes: row.bytes,
      lines: row.lines,
      droppedLines: row.droppedLines,
      durationSeconds: seconds,
    },
  });
}
