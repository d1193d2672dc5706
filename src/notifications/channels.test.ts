// Known answers for the pure parts: URL and field checks, masks, secrets bound to their channel, backoff bounds,
// and what PagerDuty is sent for each transition.
import { describe, expect, test } from 'bun:test';
import { createSecretBox } from '../security/encryption';
import { checkChannel, checkUrl, maskSecret, openSecrets, sealSecrets } from './channels';
import { retryDelayMs } from './delivery';
import { pagerDutyEvents, slackEscape, type MessageItem } from './payloads';

describe('checks', () => {
  test('URLs: http and https only', () => {
    expect(checkUrl('https://hooks.example.com/x')).toBeNull();
    expect(checkUrl('http://127.0.0.1:8080/x')).toBeNull();
    expect(checkUrl('file:///etc/passwd')).toContain('http or https');
    expect(checkUrl('javascript:alert(1)')).toContain('http or https');
    expect(checkUrl('/relative')).toContain('absolute');
    expect(checkUrl(`https://x.example/${'a'.repeat(3000)}`)).toContain('2048');
  });

  test('a field of another type is refused by name; an edit keeps what it leaves out', () => {
    expect(checkChannel('slack', { name: 'x', slackUrl: 'https://hooks.slack.com/services/a', smtpHost: 'h' }, null)).toEqual({
      ok: false,
      message: 'smtpHost: does not apply to a slack channel',
    });
    const made = checkChannel('email', { name: 'm', smtpHost: 'smtp.example.com', from: 'a@example.com', to: ['b@example.com'] }, null);
    expect(made.ok && made.channel.settings).toEqual({
      host: 'smtp.example.com',
      port: 587,
      tls: 'starttls',
      user: null,
      from: 'a@example.com',
      to: ['b@example.com'],
    });
  });

  test('masks show at most the last 4 characters of a long secret', () => {
    expect(maskSecret('0123456789abcdefXYZW')).toBe('••••XYZW');
    expect(maskSecret('short-secret')).toBe('••••');
  });

  test('a sealed secret opens only for its own channel', () => {
    const box = createSecretBox('s'.repeat(40));
    const sealed = sealSecrets(box, 'c1', { secret: 'whsec-0123456789abcdef' });
    expect(openSecrets(box, { id: 'c1', secrets: sealed })).toEqual({ ok: true, secrets: { secret: 'whsec-0123456789abcdef' } });
    expect(openSecrets(box, { id: 'c2', secrets: sealed })).toEqual({ ok: false, name: 'secret', reason: 'tampered' });
    expect(openSecrets(createSecretBox('t'.repeat(40)), { id: 'c1', secrets: sealed })).toMatchObject({
      ok: false,
      reason: 'sealed under another NIRO_SECRET',
    });
  });
});

describe('delivery', () => {
  test('backoff doubles from 10 s to an hour, within ±20 %', () => {
    expect([1, 2, 3].map((a) => retryDelayMs(a, () => 0.5))).toEqual([10_000, 20_000, 40_000]);
    expect(retryDelayMs(30, () => 0.5)).toBe(3600_000);
    expect(retryDelayMs(1, () => 0)).toBe(8000);
    expect(retryDelayMs(1, () => 1)).toBe(12_000);
  });

  test('Slack text is escaped; PagerDuty gets trigger/acknowledge/resolve with the incident (or storm alert) as dedup_key, no reminders', () => {
    expect(slackEscape('<@here> & <http://x|y>')).toBe('&lt;@here&gt; &amp; &lt;http://x|y&gt;');
    const item = (event: MessageItem['event']): MessageItem => ({
      event,
      incidentId: 'i-1',
      incidentKind: 'node_not_ready',
      severity: 'medium',
      title: 'Node n1 is not ready',
      subject: 'n1',
      clusterId: 'c',
      clusterName: 'edge',
      environment: 'staging',
      at: new Date('2030-01-01T00:00:00Z'),
      url: 'https://niro.example/incidents?cluster=c',
    });
    const msg = (kind: MessageItem['event']) => ({ id: 'd', kind, items: [item(kind)], publicUrl: 'https://niro.example', sentAt: new Date() });
    const [trigger] = pagerDutyEvents(msg('opened'), 'RK');
    expect(trigger).toMatchObject({
      routing_key: 'RK',
      event_action: 'trigger',
      dedup_key: 'i-1',
      payload: { severity: 'error', source: 'edge', component: 'n1' },
    });
    expect(pagerDutyEvents(msg('acknowledged'), 'RK')).toEqual([{ routing_key: 'RK', event_action: 'acknowledge', dedup_key: 'i-1' }]);
    expect(pagerDutyEvents(msg('resolved'), 'RK')).toEqual([{ routing_key: 'RK', event_action: 'resolve', dedup_key: 'i-1' }]);
    expect(pagerDutyEvents(msg('repeat'), 'RK')).toEqual([]);
    // A storm alert's message is one event under the alert's key, summarising its incidents (bounded).
    const storm = (kind: MessageItem['event']) => ({
      ...msg(kind),
      alertKey: 'niro-group-d',
      items: Array.from({ length: 60 }, (_, n) => ({
        ...item(kind),
        incidentId: `i-${n}`,
        incidentKind: n < 45 ? 'node_not_ready' : 'cluster_offline',
        severity: n === 59 ? 'high' : 'medium',
        clusterId: `c${n % 7}`,
        clusterName: `edge-${n % 7}`,
        title: 'x'.repeat(500),
      })),
    });
    const events = pagerDutyEvents(storm('opened'), 'RK');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event_action: 'trigger', dedup_key: 'niro-group-d', client_url: 'https://niro.example/incidents' });
    const payload = events[0].payload as {
      summary: string;
      severity: string;
      source: string;
      custom_details: { incidents: { title: string }[]; more: number };
    };
    expect(payload.summary).toBe('60 incidents on 7 clusters (edge-0, edge-1, edge-2, edge-3, edge-4, …): 45 node not ready, 15 cluster offline');
    expect(payload).toMatchObject({ severity: 'critical', source: 'niro', custom_details: { count: 60, more: 40 } });
    expect(payload.custom_details.incidents).toHaveLength(20);
    expect(payload.custom_details.incidents[0].title).toHaveLength(200);
    expect(pagerDutyEvents(storm('acknowledged'), 'RK')).toEqual([{ routing_key: 'RK', event_action: 'acknowledge', dedup_key: 'niro-group-d' }]);
    expect(pagerDutyEvents(storm('resolved'), 'RK')).toEqual([{ routing_key: 'RK', event_action: 'resolve', dedup_key: 'niro-group-d' }]);
  });
});
