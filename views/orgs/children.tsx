import Html from '@kitajs/html';
import { SettingsNav } from '../settings/nav';

export function OrgsPage(props: {
  orgs: { id: string; name: string; depth: number; plan: string; role: string; parentId: string | null }[];
  csrfToken: string;
  parentChoices: { id: string; name: string }[];
}): JSX.Element {
  return (
    <>
      <h1>Settings</h1>
      <SettingsNav active="orgs" />
      <p class="muted">Your organizations and their customer (child) organizations. Members of a parent see every child's clusters.</p>
      {props.parentChoices.length ? (
        <div class="panel">
          <h2>Create a child organization</h2>
          <form method="post" action="/settings/orgs" class="row">
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <select name="parentId" aria-label="Parent organization">
              {props.parentChoices.map((o) => (
                <option value={o.id} safe>
                  {o.name}
                </option>
              ))}
            </select>
            <input type="text" name="name" placeholder="Customer name" required maxlength="100" />
            <button>Create</button>
          </form>
        </div>
      ) : (
        ''
      )}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Organization</th>
              <th>Plan</th>
              <th>Your role</th>
            </tr>
          </thead>
          <tbody>
            {props.orgs.map((o) => (
              <tr>
                <td safe>{'\u00a0\u00a0\u00a0'.repeat(o.depth) + (o.depth ? '└ ' : '') + o.name}</td>
                <td safe>{o.plan}</td>
                <td safe>{o.role}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
