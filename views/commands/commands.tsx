import Html from '@kitajs/html';
import { EmptyRow } from '../shared/empty-row';
import { Pager } from '../shared/pager';
import type { CommandStatus } from '../../src/commands/vocabulary';
import { Age } from '../clusters/parts';

/** The ping answer that the Ping button's request replaces. */
export const PING_RESULT_ID = 'ping-result';
/** The command history (refreshed with the rest of the live Commands tab). */
export const COMMAND_HISTORY_ID = 'command-history';

export type CommandView = {
  id: string;
  type: string;
  status: CommandStatus;
  summary: string;
  createdAt: Date;
  createdBy: string | null;
  latencyMs: number | null;
  /** The agent's one-line answer ("pong", "applied 3 object(s)…", "apply capability not detected…"). */
  message: string | null;
};

export type PingView = { latencyMs: number; at: Date } | null;

const STATUS_CLASS: Record<CommandStatus, string> = { queued: 'pending', delivered: 'pending', succeeded: 'succeeded', failed: 'failed', expired: 'offline' };

/** Last answered ping, or the outcome of the one just sent (`timeout` carries the explanation). */
export function PingResult(props: { last: PingView; timeout?: string | null; fresh?: boolean }): JSX.Element {
  return (
    <span id={PING_RESULT_ID} class="muted" data-latency={props.last && !props.timeout ? String(props.last.latencyMs) : ''}>
      {props.timeout ? (
        <span class="badge warning" safe>
          {props.timeout}
        </span>
      ) : props.last ? (
        <>
          {props.fresh ? 'Pong in ' : 'Last ping: '}
          <strong safe>{`${props.last.latencyMs} ms`}</strong> <Age at={props.last.at} />
        </>
      ) : (
        'Not pinged yet.'
      )}
    </span>
  );
}

export function CommandHistory(props: { commands: CommandView[]; olderUrl: string | null }): JSX.Element {
  return (
    <div id={COMMAND_HISTORY_ID}>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Command</th>
              <th>Status</th>
              <th>By</th>
              <th>Latency</th>
              <th>Agent said</th>
            </tr>
          </thead>
          <tbody>
            {props.commands.length === 0 ? (
              <EmptyRow columns={6}>No commands yet.</EmptyRow>
            ) : (
              props.commands.map((c) => (
                <tr id={`command-${c.id}`} data-status={c.status}>
                  <td>
                    <Age at={c.createdAt} />
                  </td>
                  <td class="wrap" safe>
                    {c.summary}
                  </td>
                  <td>
                    <span class={`badge ${STATUS_CLASS[c.status]}`}>{c.status}</span>
                  </td>
                  <td safe>{c.createdBy ?? '—'}</td>
                  <td safe>{c.latencyMs === null ? '—' : `${c.latencyMs} ms`}</td>
                  <td class="wrap" safe>
                    {c.message ?? ''}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <Pager href={props.olderUrl} label="Older →" />
    </div>
  );
}

export type CommandsTabProps = {
  clusterId: string;
  canOperate: boolean;
  csrfToken: string;
  last: PingView;
  commands: CommandView[];
  olderUrl: string | null;
};

/** The Commands tab: a ping through the agent, then every command sent to the cluster. */
export function CommandsTab(props: CommandsTabProps): JSX.Element {
  return (
    <>
      <div class="panel row">
        {props.canOperate ? (
          <form
            method="post"
            action={`/clusters/${props.clusterId}/ping`}
            hx-post={`/clusters/${props.clusterId}/ping`}
            hx-target={`#${PING_RESULT_ID}`}
            hx-swap="outerHTML"
          >
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <button>Ping</button>
          </form>
        ) : (
          ''
        )}
        <PingResult last={props.last} />
      </div>
      <p class="muted small">
        A ping travels the same way as every command: queued here, picked up by the agent's open connection, answered back. Apply and delete need the cluster's
        apply capability (API: <code>POST /v1/clusters/{'{id}'}/commands</code>).
      </p>
      <h2>History</h2>
      <CommandHistory commands={props.commands} olderUrl={props.olderUrl} />
    </>
  );
}
