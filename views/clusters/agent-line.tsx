// The cluster page's agent line: its version, "update available" and what to do about it. Pure.
import Html from '@kitajs/html';

export type AgentUpdateView = { offeredVersion: string; updateAvailable: boolean; selfUpdate: boolean; hint: string };

/** Version, "update available" and what to do about it: the Update button, or how to turn self-update on. */
export function AgentLine(props: {
  cluster: { id: string; agentVersion: string | null; protocol: number | null };
  update: AgentUpdateView;
  canOperate: boolean;
  csrfToken: string;
}): JSX.Element {
  const c = props.cluster;
  const u = props.update;
  // Agent-reported text: a variable typed string, so the scanner holds it to `safe` (it trusts template literals).
  const agentText: string = c.agentVersion ? `${c.agentVersion} (protocol ${c.protocol})` : '—';
  return (
    <dd data-agent>
      <span safe>{agentText}</span>{' '}
      {u.updateAvailable ? (
        <>
          <span class="badge warning" data-update-available safe>
            {`update available: ${u.offeredVersion}`}
          </span>
          {u.selfUpdate && props.canOperate ? (
            <form method="post" action={`/clusters/${c.id}/agent-update`} data-confirm={`Update this cluster's agent to ${u.offeredVersion}?`}>
              <input type="hidden" name="_csrf" value={props.csrfToken} />
              <button class="secondary">Update agent</button>
            </form>
          ) : (
            ''
          )}
          {u.selfUpdate ? (
            ''
          ) : (
            <small class="muted" data-self-update-hint safe>
              {`Self-update is off: ${u.hint}`}
            </small>
          )}
        </>
      ) : (
        ''
      )}
    </dd>
  );
}
