import Html from '@kitajs/html';
import { SettingsNav } from '../settings/nav';
import { EmptyRow } from '../shared/empty-row';

export type GithubConnectionRow = { orgId: string; orgName: string; apiUrl: string; account: string | null; canManage: boolean };

/** /settings/integrations: each org's GitHub connection (token never shown), and a form to connect one. */
export function IntegrationsPage(props: { connections: GithubConnectionRow[]; adminOrgs: { id: string; name: string }[]; csrfToken: string }): JSX.Element {
  return (
    <>
      <h1>Settings</h1>
      <SettingsNav active="integrations" />
      <h2>GitHub</h2>
      <p class="muted">
        With GitHub connected, pull requests into a deployment’s tracked branch get a commit status and one comment listing the policy findings at their head
        commit, updated on every push. Use a fine-grained token (or an app installation token) with “Commit statuses” and “Pull requests” write access.
      </p>
      <div class="table-wrap">
        <table id="github-connections">
          <thead>
            <tr>
              <th>Organization</th>
              <th>API</th>
              <th>Token of</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {props.connections.length === 0 ? (
              <EmptyRow columns={4}>No organization is connected to GitHub.</EmptyRow>
            ) : (
              props.connections.map((c) => (
                <tr data-org={c.orgId}>
                  <td safe>{c.orgName}</td>
                  <td class="mono" safe>
                    {c.apiUrl}
                  </td>
                  <td safe>{c.account ?? '—'}</td>
                  <td>
                    {c.canManage ? (
                      <form method="post" action={`/settings/integrations/github/${c.orgId}/remove`} data-confirm="Disconnect this organization from GitHub?">
                        <input type="hidden" name="_csrf" value={props.csrfToken} />
                        <button class="secondary">Disconnect</button>
                      </form>
                    ) : (
                      ''
                    )}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {props.adminOrgs.length > 0 ? (
        <form method="post" action="/settings/integrations/github" class="stack" id="github-connect">
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <label>
            Organization
            <select name="orgId">
              {props.adminOrgs.map((o) => (
                <option value={o.id} safe>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            API base URL
            <input name="apiUrl" value="https://api.github.com" />
          </label>
          <label>
            Token
            <input name="token" type="password" required autocomplete="off" />
          </label>
          <button>Connect GitHub</button>
        </form>
      ) : (
        ''
      )}
    </>
  );
}
