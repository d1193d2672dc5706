import Html from '@kitajs/html';
import { SettingsNav } from '../settings/nav';
import { EmptyRow } from '../shared/empty-row';
import { CHANNEL_TYPES, CHANNEL_TYPE_LABEL, type ChannelType, type RoutingRule } from '../../src/notifications/vocabulary';

export type ChannelRow = {
  id: string;
  orgName: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  rule: RoutingRule;
  /** Where it sends, as safe to show (a webhook's URL, SMTP recipients; never a secret). */
  target: string;
};

/** The rule in a few words: "high and up · production · open, resolve · every 30 min". */
export function ruleSummary(r: RoutingRule): string {
  const on = [r.onOpen && 'open', r.onAcknowledge && 'acknowledge', r.onResolve && 'resolve'].filter(Boolean).join(', ') || 'nothing';
  const parts = [r.minSeverity === 'low' ? 'every severity' : `${r.minSeverity} and up`];
  if (r.environments.length) parts.push(r.environments.join(', '));
  if (r.kinds.length) parts.push(r.kinds.join(', '));
  if (r.clusterIds.length) parts.push(`${r.clusterIds.length} cluster${r.clusterIds.length === 1 ? '' : 's'}`);
  parts.push(on);
  if (r.repeatMinutes) parts.push(`repeat every ${r.repeatMinutes} min`);
  return parts.join(' · ');
}

export function ChannelsPage(props: { channels: ChannelRow[]; canCreate: boolean }): JSX.Element {
  return (
    <>
      <h1>Settings</h1>
      <SettingsNav active="notifications" />
      <p class="muted">
        Where incidents are announced. A channel of an organization covers its customer (child) organizations too; a customer can add its own.
      </p>
      {props.canCreate ? (
        <div class="row actions">
          {CHANNEL_TYPES.map((t) => (
            <a class="button secondary" href={`/settings/notifications/new?type=${t}`} safe>
              {`New ${CHANNEL_TYPE_LABEL[t]} channel`}
            </a>
          ))}
        </div>
      ) : (
        ''
      )}
      <div class="table-wrap">
        <table id="notification-channels">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Type</th>
              <th>Organization</th>
              <th>Sends to</th>
              <th>Rule</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {props.channels.length === 0 ? <EmptyRow columns={6}>No channels yet: incidents are shown in Niro only.</EmptyRow> : ''}
            {props.channels.map((c) => (
              <tr>
                <td>
                  <a href={`/settings/notifications/${c.id}`} safe>
                    {c.name}
                  </a>
                </td>
                <td safe>{CHANNEL_TYPE_LABEL[c.type]}</td>
                <td safe>{c.orgName}</td>
                <td class="mono wrap" safe>
                  {c.target}
                </td>
                <td class="small" safe>
                  {ruleSummary(c.rule)}
                </td>
                <td>{c.enabled ? 'enabled' : 'disabled'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
