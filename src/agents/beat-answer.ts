// What a heartbeat's answer reads besides the beat itself: whether commands wait (a hint only, the long-poll
// is authoritative) and whether a running rollout told this cluster to update. Read as columns of the
// statement that stores an unchanged beat, so the usual beat costs the agent lookup and that one statement;
// a beat that takes the full path reads them in one statement after it committed.
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import { pendingCommandsExpr } from '../commands/store';
import { agentUpdateExpr } from '../rollouts/store';

export type BeatAnswer = { commandsPending: boolean; update: { image: string; version: string } | null };

export type BeatAnswerRow = { commands_pending: boolean; agent_update: { image: string; version: string } | string | null };

/** The answer's columns (`commands_pending`, `agent_update`) for a select list. */
export function beatAnswerColumns(clusterId: string, now: Date): SQL {
  return sql`${pendingCommandsExpr(clusterId, now)} as commands_pending, ${agentUpdateExpr(clusterId)} as agent_update`;
}

export function toBeatAnswer(row: BeatAnswerRow): BeatAnswer {
  // json_build_object comes back parsed from postgres.js and as text from PGlite.
  const update = typeof row.agent_update === 'string' ? (JSON.parse(row.agent_update) as BeatAnswer['update']) : row.agent_update;
  return { commandsPending: row.commands_pending === true, update: update ?? null };
}

/** The answer on its own (after a beat that took the full path). */
export async function readBeatAnswer(db: Db, clusterId: string, now: Date): Promise<BeatAnswer> {
  const [row] = await queryRows<BeatAnswerRow>(db, sql`select ${beatAnswerColumns(clusterId, now)}`);
  return toBeatAnswer(row);
}
