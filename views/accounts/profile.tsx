import Html from '@kitajs/html';
import { ConfirmedPost } from '../shared/confirmed-post';
import { SettingsNav } from '../settings/nav';

export function ProfilePage(props: { email: string; name: string; csrfToken: string; sessions: number; orgs: { name: string; role: string }[] }): JSX.Element {
  return (
    <>
      <h1>Settings</h1>
      <SettingsNav active="profile" />
      <div class="panel">
        <h2>Profile</h2>
        <form method="post" action="/settings/profile" class="stack">
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <label>
            Email
            <input type="email" value={props.email} disabled />
          </label>
          <label>
            Name
            <input type="text" name="name" value={props.name} maxlength="100" />
          </label>
          <button>Save</button>
        </form>
      </div>
      <div class="panel">
        <h2>Change password</h2>
        <form method="post" action="/settings/password" class="stack">
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <label>
            Current password
            <input type="password" name="current" required autocomplete="current-password" maxlength="1024" />
          </label>
          <label>
            New password (at least 10 characters)
            <input type="password" name="password" required minlength="10" autocomplete="new-password" maxlength="1024" />
          </label>
          <p class="muted">Changing it signs you out of every other session.</p>
          <button>Change password</button>
        </form>
      </div>
      <div class="panel" id="sessions">
        <h2>Sessions</h2>
        <p safe>{`You are signed in in ${props.sessions} ${props.sessions === 1 ? 'session' : 'sessions'} (browsers and devices), this one included.`}</p>
        <ConfirmedPost
          action="/settings/sessions/end-all"
          confirm="Sign out of every session, this one included?"
          csrfToken={props.csrfToken}
          label="Sign out everywhere"
        />
      </div>
      <div class="panel">
        <h2>Your organizations</h2>
        <table>
          <thead>
            <tr>
              <th>Organization</th>
              <th>Role</th>
            </tr>
          </thead>
          <tbody>
            {props.orgs.map((o) => (
              <tr>
                <td safe>{o.name}</td>
                <td safe>{o.role}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
