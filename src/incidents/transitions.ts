// The incident transition log: what the notifications router reads. Written by the incidents domain
// in the transaction that changes the incident, so a transition exists exactly when its change committed.
import type { Db } from '../db/client';
import { incidentTransitions } from './schema';
import type { Severity, TransitionKind } from './vocabulary';

export type NewTransition = {
  incidentId: string;
  orgId: string;
  clusterId: string;
  kind: TransitionKind;
  severity: Severity;
  /** null when Niro itself made the change (detection, quiet-period resolution). */
  actorId?: string | null;
  note?: string | null;
  at: Date;
};

export async function recordTransitions(db: Db, rows: readonly NewTransition[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(incidentTransitions).values(rows.map((r) => ({ ...r, actorId: r.actorId ?? null, note: r.note ?? null })));
}
