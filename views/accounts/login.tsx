import Html from '@kitajs/html';
import { Document, Flash } from '../layout/layout';

/** `setupPending`: the server has no owner yet, so nobody can sign in: say how the first account is made. */
export function LoginPage(props: { next: string; email?: string; error?: string | null; info?: string | null; setupPending?: boolean }): JSX.Element {
  return (
    <Document title="Sign in">
      <main class="center-card">
        <div class="panel">
          <h1>Sign in to Niro</h1>
          {props.error ? <Flash kind="error" text={props.error} /> : ''}
          {props.info ? <Flash kind="info" text={props.info} /> : ''}
          {props.setupPending ? (
            <p class="flash info" id="setup-pending">
              No account exists yet. Open the setup link this server printed in its log when it started (<code>setupUrl</code>), or create one with{' '}
              <code>niro admin user create</code>.
            </p>
          ) : (
            ''
          )}
          <form method="post" action="/login" class="stack" id="login-form">
            <input type="hidden" name="next" value={props.next} />
            <label>
              Email
              <input type="email" name="email" required autocomplete="username" value={props.email ?? ''} maxlength="254" autofocus />
            </label>
            <label>
              Password
              <input type="password" name="password" required autocomplete="current-password" maxlength="1024" />
            </label>
            <button type="submit">Sign in</button>
          </form>
        </div>
      </main>
    </Document>
  );
}
