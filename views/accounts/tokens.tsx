import Html from '@kitajs/html';
import { ConfirmedPost } from '../shared/confirmed-post';
import { EmptyRow } from '../shared/empty-row';
import { SettingsNav } from '../settings/nav';
import { CopyButton } from '../shared/names';

export type TokenRow = {
  id: string;
  name: string;
  publicId: string;
  scope: 'read' | 'write';
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

/** Lifetimes offered by the form, as [days, label]; '' is "until revoked". */
export const TOKEN_LIFETIMES: [string, string][] = [
  ['', 'never expires'],
  ['7', 'expires in 7 days'],
  ['30', 'expires in 30 days'],
  ['90', 'expires in 90 days'],
  ['365', 'expires in 1 year'],
];

function status(t: TokenRow, now: number): JSX.Element {
  if (t.revokedAt) return <span class="badge">revoked</span>;
  if (t.expiresAt && t.expiresAt.getTime() <= now) return <span class="badge">expired</span>;
  return <span class="badge healthy">active</span>;
}

export const NEW_TOKEN_ID = 'new-token';

function when(d: Date | null): string {
  return d ? d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : 'never';
}

export function TokensPage(props: { csrfToken: string; tokens: TokenRow[]; newToken?: string | null }): JSX.Element {
  const now = Date.now();
  return (
    <>
      <h1>Settings</h1>
      <SettingsNav active="tokens" />
      {props.newToken ? (
        <div class="panel" id={NEW_TOKEN_ID}>
          <h2>Your new API token</h2>
          <p class="muted">Copy it now: it is shown only once.</p>
          <div class="secret-row">
            <div class="secret" id="new-token-value" data-token safe>
              {props.newToken}
            </div>
            <CopyButton from="#new-token-value" label="Copy" what="token" />
          </div>
          <p class="muted">
            Send it in a header: <code safe>{`Authorization: Bearer ${props.newToken}`}</code>
          </p>
        </div>
      ) : (
        ''
      )}
      <div class="panel">
        <h2>Create a token</h2>
        <form method="post" action="/settings/tokens" class="row">
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <input type="text" name="name" placeholder="Token name, e.g. ci-script" required maxlength="100" />
          <select name="scope" aria-label="Scope">
            <option value="write">read and write</option>
            <option value="read">read only</option>
          </select>
          <select name="expiresInDays" aria-label="Expiry">
            {TOKEN_LIFETIMES.map(([v, label]) => (
              <option value={v} safe>
                {label}
              </option>
            ))}
          </select>
          <button>Create token</button>
        </form>
      </div>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Prefix</th>
              <th>Scope</th>
              <th>Created</th>
              <th>Expires</th>
              <th>Last used</th>
              <th>Status</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {props.tokens.length === 0 ? (
              <EmptyRow columns={8}>No tokens yet.</EmptyRow>
            ) : (
              props.tokens.map((t) => (
                <tr>
                  <td safe>{t.name}</td>
                  <td class="mono" safe>{`niro_pat_${t.publicId}_…`}</td>
                  <td>{t.scope === 'read' ? 'read only' : 'read and write'}</td>
                  <td safe>{when(t.createdAt)}</td>
                  <td>{t.expiresAt ? when(t.expiresAt) : 'never'}</td>
                  <td safe>{when(t.lastUsedAt)}</td>
                  <td>{status(t, now)}</td>
                  <td>
                    {t.revokedAt ? (
                      ''
                    ) : (
                      <ConfirmedPost
                        action={`/settings/tokens/${t.id}/revoke`}
                        confirm="Revoke this token? Scripts using it will stop working."
                        csrfToken={props.csrfToken}
                        label="Revoke"
                      />
                    )}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}
