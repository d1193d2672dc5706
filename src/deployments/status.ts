// A cluster's deployment status as pages and the API show it: the stored status, moved on by the state of the
// command it waits for (delivered → applying; expired → failed, before the expiry job has written it).
import { effectiveStatus } from '../commands/store';
import type { TargetRow } from './store';
import type { TargetStatus } from './vocabulary';

export type TargetState = { status: TargetStatus; error: string | null };

export function targetState(t: Pick<TargetRow, 'status' | 'error' | 'command'>, now: Date): TargetState {
  if ((t.status === 'pending' || t.status === 'deleting') && t.command) {
    const command = effectiveStatus(t.command, now);
    if (command === 'expired') {
      return {
        status: 'failed',
        error: t.command.deliveredAt
          ? 'the agent took the command but sent no result in time'
          : 'the agent did not pick the command up before it expired (is the cluster online?)',
      };
    }
    if (command === 'delivered' && t.status === 'pending') return { status: 'applying', error: null };
  }
  return { status: t.status, error: t.error };
}
