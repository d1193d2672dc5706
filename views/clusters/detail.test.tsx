// The cluster overview's words: an open incident reads "opened 1 min ago" (not "since 1 min ago": the browser
// words the time after it), counts take the right plural.
import { expect, test } from 'bun:test';
import Html from '@kitajs/html';
import { OverviewTab, type ClusterView } from './detail';

const now = new Date('2026-05-01T12:00:00Z');
const cluster: ClusterView = {
  id: '00000000-0000-4000-8000-000000000001',
  name: 'edge-01',
  environment: 'production',
  status: 'critical',
  lastHeartbeatAt: now,
  enrolledAt: now,
  agentVersion: '0.4.0',
  protocol: 2,
  k8sVersion: 'v1.31.4+k3s1',
  distribution: 'k3s',
  platform: 'linux/amd64',
  capabilities: null,
  nodeCount: 1,
  nodesReady: 1,
  podsTotal: 1,
  podsRunning: 1,
  podsFailed: 0,
  namespaces: 1,
  podsListed: 1,
  podsTruncated: false,
  cpuCapacityMilli: 4000,
  memCapacityBytes: 8 * 1024 ** 3,
  cpuUsageMilli: 1000,
  memUsageBytes: 1024 ** 3,
};

test('an open incident says when it opened; one namespace is singular', async () => {
  const html = await (
    <OverviewTab
      cluster={cluster}
      nodes={[]}
      moreNodes={false}
      usageAt={now}
      incidents={[{ id: 'i', title: 'Pod shop/web is crash-looping', severity: 'high', openedAt: new Date(now.getTime() - 60_000) }]}
      canOperate={false}
      csrfToken=""
      agentUpdate={{ offeredVersion: '0.4.0', updateAvailable: false, selfUpdate: false, hint: '' }}
    />
  );
  expect(html).toMatch(/opened <time datetime="2026-05-01T11:59:00.000Z" data-relative="ago"/);
  const text = html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
  expect(text).not.toContain('since');
  expect(text).toContain('· 1 namespace');
  expect(text).not.toContain('1 namespaces');
});

test('an older agent shows "update available"; with self-update on a member gets the button, without it the way to turn it on', async () => {
  const render = (selfUpdate: boolean, canOperate: boolean): Promise<string> =>
    Promise.resolve(
      <OverviewTab
        cluster={cluster}
        nodes={[]}
        moreNodes={false}
        usageAt={now}
        incidents={[]}
        canOperate={canOperate}
        csrfToken="t"
        agentUpdate={{ offeredVersion: '0.5.0', updateAvailable: true, selfUpdate, hint: 're-run with NIRO_ENABLE_SELF_UPDATE=1' }}
      />,
    );
  const on = await render(true, true);
  expect(on).toContain('update available: 0.5.0');
  expect(on).toContain(`action="/clusters/${cluster.id}/agent-update"`);
  const viewer = await render(true, false);
  expect(viewer).not.toContain('agent-update');
  const off = await render(false, true);
  expect(off).not.toContain('agent-update');
  expect(off).toContain('Self-update is off: re-run with NIRO_ENABLE_SELF_UPDATE=1');
});
