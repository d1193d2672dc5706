import Html from '@kitajs/html';
import { ENVIRONMENTS } from '../../src/clusters/vocabulary';
import { INCIDENT_KINDS, SEVERITIES } from '../../src/incidents/vocabulary';
import { CHANNEL_TYPE_LABEL, DEFAULT_RULE, SMTP_TLS_MODES, type ChannelType, type RoutingRule } from '../../src/notifications/vocabulary';

export type ChannelFormValues = {
  name: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  rule: RoutingRule;
  /** Masked secrets of a stored channel ("••••abcd", or null when unset); empty for a new one. */
  masked: Record<string, string | null>;
};

export const NEW_CHANNEL_VALUES: ChannelFormValues = { name: '', enabled: true, settings: {}, rule: DEFAULT_RULE, masked: {} };

/** A secret's input: never prefilled; a stored one shows its mask as the placeholder and is kept when left empty. */
function SecretInput(props: { name: string; label: string; masked: string | null | undefined; required: boolean; hint?: string }): JSX.Element {
  const placeholder = props.masked ? `${props.masked} (leave empty to keep)` : (props.hint ?? '');
  return (
    <label>
      <span safe>{props.label}</span>
      <input type="password" name={props.name} autocomplete="off" placeholder={placeholder} maxlength="2048" required={props.required && !props.masked} />
    </label>
  );
}

function TypeFields(props: { type: ChannelType; v: ChannelFormValues }): JSX.Element {
  const s = props.v.settings;
  const str = (k: string) => (typeof s[k] === 'string' ? (s[k] as string) : '');
  switch (props.type) {
    case 'webhook':
      return (
        <>
          <label>
            <span>URL</span>
            <input type="url" name="url" value={str('url')} required maxlength="2048" placeholder="https://hooks.example.com/niro" />
          </label>
          <SecretInput name="secret" label="Signing secret (HMAC-SHA256, 16+ characters)" masked={props.v.masked.secret} required />
        </>
      );
    case 'slack':
      return <SecretInput name="slackUrl" label="Incoming-webhook URL" masked={props.v.masked.url} required hint="https://hooks.slack.com/services/…" />;
    case 'pagerduty':
      return (
        <>
          <SecretInput name="routingKey" label="Routing key (Events API v2 integration key)" masked={props.v.masked.routingKey} required />
          <label>
            <span>Events API endpoint</span>
            <input type="url" name="url" value={str('url') || 'https://events.pagerduty.com/v2/enqueue'} maxlength="2048" />
          </label>
        </>
      );
    case 'email':
      return (
        <>
          <label>
            <span>SMTP host</span>
            <input type="text" name="smtpHost" value={str('host')} required maxlength="253" />
          </label>
          <label>
            <span>Port</span>
            <input type="number" name="smtpPort" value={String(s.port ?? 587)} min="1" max="65535" />
          </label>
          <label>
            <span>Security</span>
            <select name="smtpTls">
              {SMTP_TLS_MODES.map((m) => (
                <option value={m} selected={(s.tls ?? 'starttls') === m}>
                  {m === 'tls' ? 'TLS (usually port 465)' : m === 'starttls' ? 'STARTTLS, required (usually 587)' : 'none (local relay only)'}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>User</span>
            <input type="text" name="smtpUser" value={str('user')} maxlength="254" autocomplete="off" />
          </label>
          <SecretInput name="smtpPassword" label="Password" masked={props.v.masked.password} required={false} />
          <label>
            <span>From</span>
            <input type="email" name="from" value={str('from')} required maxlength="254" />
          </label>
          <label>
            <span>To (comma-separated)</span>
            <input type="text" name="to" value={Array.isArray(s.to) ? (s.to as string[]).join(', ') : ''} required maxlength="5000" />
          </label>
        </>
      );
  }
}

function Checks(props: { name: string; options: readonly string[]; checked: string[] }): JSX.Element {
  return (
    <span class="pick-list">
      {props.options.map((o) => (
        <label class="inline">
          <input type="checkbox" name={props.name} value={o} checked={props.checked.includes(o)} /> <span safe>{o}</span>
        </label>
      ))}
    </span>
  );
}

/** The create/edit form of one channel type. `orgChoices` only when creating (a channel never moves). */
export function ChannelForm(props: {
  action: string;
  csrfToken: string;
  type: ChannelType;
  values: ChannelFormValues;
  orgChoices?: { id: string; name: string }[];
  clusters: { id: string; name: string }[];
  submit: string;
}): JSX.Element {
  const r = props.values.rule;
  return (
    <form method="post" action={props.action} class="stack" id="channel-form">
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      <input type="hidden" name="type" value={props.type} />
      {props.orgChoices ? (
        <label>
          <span>Organization (the channel covers its customers too)</span>
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
        <span>Name</span>
        <input type="text" name="name" value={props.values.name} required maxlength="100" placeholder={`${CHANNEL_TYPE_LABEL[props.type]} for on-call`} />
      </label>
      <TypeFields type={props.type} v={props.values} />
      <fieldset>
        <legend>Routing rule</legend>
        <label>
          <span>Minimum severity</span>
          <select name="minSeverity">
            {SEVERITIES.map((s) => (
              <option value={s} selected={r.minSeverity === s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <div>
          <span>Environments (none checked = all)</span> <Checks name="environments" options={ENVIRONMENTS} checked={r.environments} />
        </div>
        <div>
          <span>Incident kinds (none checked = all)</span> <Checks name="kinds" options={INCIDENT_KINDS} checked={r.kinds} />
        </div>
        {props.clusters.length ? (
          <label>
            <span>Clusters (none selected = all)</span>
            <select name="clusterIds" multiple="multiple" size="4">
              {props.clusters.map((c) => (
                <option value={c.id} selected={r.clusterIds.includes(c.id)} safe>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        ) : (
          ''
        )}
        <div>
          <span>Notify on</span>
          <label class="inline">
            <input type="checkbox" name="onOpen" value="on" checked={r.onOpen} /> open and reopen
          </label>
          <label class="inline">
            <input type="checkbox" name="onAcknowledge" value="on" checked={r.onAcknowledge} /> acknowledge
          </label>
          <label class="inline">
            <input type="checkbox" name="onResolve" value="on" checked={r.onResolve} /> resolve
          </label>
        </div>
        <label>
          <span>Repeat while open and unacknowledged, every … minutes (0 = never)</span>
          <input type="number" name="repeatMinutes" value={String(r.repeatMinutes)} min="0" max="10080" />
        </label>
        <label>
          <span>Group window, seconds (incidents opening within it go out as one message)</span>
          <input type="number" name="groupWaitSeconds" value={String(r.groupWaitSeconds)} min="0" max="600" />
        </label>
      </fieldset>
      <label class="inline">
        <input type="checkbox" name="enabled" value="on" checked={props.values.enabled} /> Enabled
      </label>
      <div class="row actions">
        <button safe>{props.submit}</button>
        <a class="button secondary" href="/settings/notifications">
          Cancel
        </a>
      </div>
    </form>
  );
}
