import Html from '@kitajs/html';
import { Document, Flash } from '../layout/layout';

export type SetupPageProps = {
  /** The one-time setup token from the URL the server printed; sent back with the form. */
  token: string;
  /** The form's CSRF token (the same value is in a cookie only this site can read). */
  csrf: string;
  email?: string;
  name?: string;
  orgName?: string;
  error?: string | null;
};

/** The first run: create the owner account and the organization everything else hangs under. */
export function SetupPage(props: SetupPageProps): JSX.Element {
  return (
    <Document title="Set up Niro">
      <main class="center-card">
        <div class="panel">
          <h1>Set up Niro</h1>
          <p>
            Create the first account. It owns the organization you name here; customers and teams become organizations under it, and you add people from its
            members page.
          </p>
          {props.error ? <Flash kind="error" text={props.error} /> : ''}
          <form method="post" action="/setup" class="stack" id="setup-form">
            <input type="hidden" name="token" value={props.token} />
            <input type="hidden" name="_csrf" value={props.csrf} />
            <label>
              Organization
              <input type="text" name="orgName" required maxlength="100" autocomplete="organization" value={props.orgName ?? ''} autofocus />
            </label>
            <label>
              Your name
              <input type="text" name="name" maxlength="100" autocomplete="name" value={props.name ?? ''} />
            </label>
            <label>
              Email
              <input type="email" name="email" required maxlength="254" autocomplete="username" value={props.email ?? ''} />
            </label>
            <label>
              Password (at least 10 characters)
              <input type="password" name="password" required minlength="10" maxlength="1024" autocomplete="new-password" />
            </label>
            <button type="submit">Create account and organization</button>
          </form>
        </div>
      </main>
    </Document>
  );
}
