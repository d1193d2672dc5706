import Html from '@kitajs/html';
import { SettingsNav } from '../settings/nav';
import { EmptyRow } from '../shared/empty-row';
import { ConfirmedPost } from '../shared/confirmed-post';
import { RelativeTime } from '../shared/time';
import { CHANNEL_TYPE_LABEL, type ChannelType } from '../../src/notifications/vocabulary';
import { ChannelForm, type ChannelFormValues } from './form';
import { ruleSummary } from './channels';

export type DeliveryRow = {
  id: string;
  kind: string;
  status: string;
  incidents: number;
  attempts: number;
  lastCode: number | null;
  lastError: string | null;
  createdAt: Date;
  nextAttemptAt: Date | null;
  /** PagerDuty: the dedup_key of the storm alert this delivery triggers, acknowledges or resolves; null otherwise. */
  pagerDutyAlert: string | null;
};

export const DELIVERY_LOG_ID = 'delivery-log';

export function DeliveryLog(props: { deliveries: DeliveryRow[] }): JSX.Element {
  return (
    <div class="table-wrap" id={DELIVERY_LOG_ID}>
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>What</th>
            <th>Incidents</th>
            <th>Status</th>
            <th>Attempts</th>
            <th>Last answer</th>
          </tr>
        </thead>
        <tbody>
          {props.deliveries.length === 0 ? <EmptyRow columns={6}>Nothing sent yet.</EmptyRow> : ''}
          {props.deliveries.map((d) => (
            <tr data-status={d.status}>
              <td>
                <RelativeTime at={d.createdAt} style="ago" />
              </td>
              <td>
                <span safe>{d.kind}</span>
                {d.pagerDutyAlert ? (
                  // One PagerDuty alert for a whole storm: the key lets an operator find it in PagerDuty.
                  <div class="muted small wrap" data-pagerduty-alert>
                    storm alert <code safe>{d.pagerDutyAlert}</code>
                  </div>
                ) : (
                  ''
                )}
              </td>
              <td safe>{String(d.incidents)}</td>
              <td>
                <span class="chip" safe>
                  {d.status}
                </span>
                {d.nextAttemptAt && d.status === 'pending' ? (
                  <span class="muted small">
                    {' '}
                    next try <RelativeTime at={d.nextAttemptAt} style="ago" />
                  </span>
                ) : (
                  ''
                )}
              </td>
              <td safe>{String(d.attempts)}</td>
              <td class="wrap small" safe>
                {[d.lastCode === null ? '' : String(d.lastCode), d.lastError ?? ''].filter(Boolean).join(' · ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ChannelPage(props: {
  id: string;
  type: ChannelType;
  orgName: string;
  values: ChannelFormValues;
  canManage: boolean;
  csrfToken: string;
  clusters: { id: string; name: string }[];
  deliveries: DeliveryRow[];
}): JSX.Element {
  const base = `/settings/notifications/${props.id}`;
  return (
    <>
      <h1>Settings</h1>
      <SettingsNav active="notifications" />
      <div class="row page-head">
        <h2 safe>{`${props.values.name} (${CHANNEL_TYPE_LABEL[props.type]})`}</h2>
        <span class="spacer" />
        {props.canManage ? (
          <>
            <form method="post" action={`${base}/test`}>
              <input type="hidden" name="_csrf" value={props.csrfToken} />
              <button class="secondary" id="send-test">
                Send test
              </button>
            </form>
            <ConfirmedPost action={`${base}/delete`} confirm="Delete this channel and its delivery log?" csrfToken={props.csrfToken} label="Delete" />
          </>
        ) : (
          ''
        )}
      </div>
      <p class="muted" safe>{`${props.orgName} and its customers · ${props.values.enabled ? 'enabled' : 'disabled'} · ${ruleSummary(props.values.rule)}`}</p>
      {props.canManage ? (
        <div class="panel">
          <ChannelForm action={base} csrfToken={props.csrfToken} type={props.type} values={props.values} clusters={props.clusters} submit="Save" />
        </div>
      ) : (
        ''
      )}
      <h2>Delivery log</h2>
      <DeliveryLog deliveries={props.deliveries} />
    </>
  );
}

export function NewChannelPage(props: {
  type: ChannelType;
  csrfToken: string;
  values: ChannelFormValues;
  orgChoices: { id: string; name: string }[];
  clusters: { id: string; name: string }[];
}): JSX.Element {
  return (
    <>
      <h1>Settings</h1>
      <SettingsNav active="notifications" />
      <h2 safe>{`New ${CHANNEL_TYPE_LABEL[props.type]} channel`}</h2>
      <div class="panel">
        <ChannelForm
          action="/settings/notifications"
          csrfToken={props.csrfToken}
          type={props.type}
          values={props.values}
          orgChoices={props.orgChoices}
          clusters={props.clusters}
          submit="Create"
        />
      </div>
    </>
  );
}
