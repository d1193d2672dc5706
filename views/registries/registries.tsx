import Html from '@kitajs/html';
import { SettingsNav } from '../settings/nav';
import { EmptyRow } from '../shared/empty-row';
import { ConfirmedPost } from '../shared/confirmed-post';
import { MASKED_PASSWORD, NAME_MAX, PASSWORD_MAX, SERVER_MAX, USERNAME_MAX } from '../../src/registries/credentials';

export type RegistryRow = {
  id: string;
  orgName: string;
  name: string;
  server: string;
  username: string;
  rotatedAt: Date;
};

export type RegistryFormValues = { name: string; server: string; username: string };

/** The fields of a registry; the password is never prefilled: a stored one shows its mask and is kept when left empty. */
function RegistryForm(props: {
  action: string;
  csrfToken: string;
  values: RegistryFormValues;
  stored: boolean;
  orgChoices?: { id: string; name: string }[];
  submit: string;
}): JSX.Element {
  return (
    <form method="post" action={props.action} class="stack" id="registry-form">
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      {props.orgChoices ? (
        <label>
          <span>Organization</span>
          <select name="orgId">
            {props.orgChoices.map((o) => (
              <option value={o.id} safe>
                {o.name}
              </option>
            ))}
          </select>
        </label>
      ) : (
        ''
      )}
      <label>
        <span>{props.stored ? 'Name (the pull Secret’s name in clusters; fixed)' : 'Name (also the pull Secret’s name in clusters)'}</span>
        <input
          type="text"
          name="name"
          value={props.values.name}
          required
          maxlength={String(NAME_MAX)}
          pattern="[a-z0-9]([\-a-z0-9]*[a-z0-9])?"
          placeholder="ghcr-acme"
          readonly={props.stored}
        />
      </label>
      <label>
        <span>Server</span>
        <input type="text" name="server" value={props.values.server} required maxlength={String(SERVER_MAX)} placeholder="ghcr.io" />
      </label>
      <label>
        <span>Username</span>
        <input type="text" name="username" value={props.values.username} required maxlength={String(USERNAME_MAX)} autocomplete="off" />
      </label>
      <label>
        <span>{props.stored ? 'New password or token (rotates it; leave empty to keep)' : 'Password or token'}</span>
        <input
          type="password"
          name="password"
          autocomplete="new-password"
          maxlength={String(PASSWORD_MAX)}
          placeholder={props.stored ? `${MASKED_PASSWORD} (stored)` : ''}
          required={!props.stored}
        />
      </label>
      <div class="row actions">
        <button safe>{props.submit}</button>
        <a class="button secondary" href="/settings/registries">
          Cancel
        </a>
      </div>
    </form>
  );
}

export function RegistriesPage(props: { registries: RegistryRow[]; csrfToken: string; orgChoices: { id: string; name: string }[] }): JSX.Element {
  return (
    <>
      <h1>Settings</h1>
      <SettingsNav active="registries" />
      <p class="muted">
        Credentials for pulling private images. Niro sends them to clusters as kubernetes.io/dockerconfigjson Secrets when a deployment references them
        (imagePullSecrets); passwords are stored encrypted and never shown again.
      </p>
      <div class="table-wrap">
        <table id="registries">
          <thead>
            <tr>
              <th>Name</th>
              <th>Server</th>
              <th>Username</th>
              <th>Password</th>
              <th>Organization</th>
              <th>Last set</th>
            </tr>
          </thead>
          <tbody>
            {props.registries.length === 0 ? <EmptyRow columns={6}>No registries yet: clusters pull public images only.</EmptyRow> : ''}
            {props.registries.map((r) => (
              <tr>
                <td>
                  <a href={`/settings/registries/${r.id}`} safe>
                    {r.name}
                  </a>
                </td>
                <td class="mono" safe>
                  {r.server}
                </td>
                <td safe>{r.username}</td>
                <td class="mono">{MASKED_PASSWORD}</td>
                <td safe>{r.orgName}</td>
                <td safe>{r.rotatedAt.toISOString().slice(0, 16).replace('T', ' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.orgChoices.length > 0 ? (
        <>
          <h2>New registry</h2>
          <div class="panel">
            <RegistryForm
              action="/settings/registries"
              csrfToken={props.csrfToken}
              values={{ name: '', server: '', username: '' }}
              stored={false}
              orgChoices={props.orgChoices}
              submit="Save registry"
            />
          </div>
        </>
      ) : (
        ''
      )}
    </>
  );
}

export function RegistryPage(props: { registry: RegistryRow; canManage: boolean; csrfToken: string }): JSX.Element {
  const r = props.registry;
  const base = `/settings/registries/${r.id}`;
  return (
    <>
      <h1>Settings</h1>
      <SettingsNav active="registries" />
      <div class="row page-head">
        <h2 safe>{r.name}</h2>
        <span class="spacer" />
        {props.canManage ? (
          <ConfirmedPost
            action={`${base}/delete`}
            confirm="Delete this registry credential? Deployments that reference it will fail to apply until it exists again."
            csrfToken={props.csrfToken}
            label="Delete"
          />
        ) : (
          ''
        )}
      </div>
      <p
        class="muted"
        safe
      >{`${r.server} · ${r.username} · password ${MASKED_PASSWORD} · ${r.orgName} and its customers · last set ${r.rotatedAt.toISOString().slice(0, 16).replace('T', ' ')}`}</p>
      {props.canManage ? (
        <div class="panel">
          <RegistryForm action={base} csrfToken={props.csrfToken} values={r} stored submit="Save" />
        </div>
      ) : (
        ''
      )}
    </>
  );
}
