import Html from '@kitajs/html';
import { ConfirmedPost } from '../shared/confirmed-post';
import { SettingsNav } from '../settings/nav';

export type MemberView = { userId: string; email: string; name: string; role: string };

export function MembersPage(props: {
  org: { id: string; name: string; role: string };
  members: MemberView[];
  csrfToken: string;
  canManage: boolean;
  added?: { email: string; temporaryPassword: string | null } | null;
}): JSX.Element {
  return (
    <>
      <h1>Settings</h1>
      <SettingsNav active="members" />
      <p class="muted">
        Members of <strong safe>{props.org.name}</strong>. Members of a parent organization also see this one. Pick another organization in the switcher at the
        top.
      </p>
      {props.added?.temporaryPassword ? (
        <div class="panel">
          <h2 safe>Account created for {props.added.email}</h2>
          <p class="muted">Hand over this temporary password; it is shown only once.</p>
          <div class="secret" safe>
            {props.added.temporaryPassword}
          </div>
        </div>
      ) : (
        ''
      )}
      {props.canManage ? (
        <div class="panel">
          <h2>Add a member</h2>
          <form method="post" action={`/settings/members`} class="row">
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <input type="hidden" name="orgId" value={props.org.id} />
            <input type="email" name="email" placeholder="email@example.com" required maxlength="254" />
            <select name="role">
              <option value="viewer">viewer — reads</option>
              <option value="member" selected>
                member — operates
              </option>
              <option value="admin">admin — manages the org</option>
              {props.org.role === 'owner' ? <option value="owner">owner</option> : ''}
            </select>
            <button>Add</button>
          </form>
        </div>
      ) : (
        ''
      )}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Email</th>
              <th>Name</th>
              <th>Role</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {props.members.map((m) => (
              <tr>
                <td safe>{m.email}</td>
                <td safe>{m.name}</td>
                <td safe>{m.role}</td>
                <td>
                  {props.canManage && (m.role !== 'owner' || props.org.role === 'owner') ? (
                    <ConfirmedPost
                      action={`/settings/members/${m.userId}/remove`}
                      confirm={`Remove ${m.email}?`}
                      csrfToken={props.csrfToken}
                      label="Remove"
                      fields={{ orgId: props.org.id }}
                    />
                  ) : (
                    ''
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
