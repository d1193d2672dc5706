// Log pages tell the truth: no log buttons on a cluster without the logs capability (Logs tab, pod drawer), and the viewer of a pod a rollout replaced says it is gone and offers the workload's current pods, instead of "not found" under a "Running" badge.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, makePod, sendHeartbeat } from '../testing/heartbeats';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import type { Capabilities, PodDetail } from '../contract';

const LOGS_ON: Capabilities = { ...ALL_CAPABILITIES_OFF, logs: { enabled: true, detectedBy: 'test' } };

let t: TestApp;
let browser: Browser;
let on: { clusterId: string; agentKey: string };
let off: { clusterId: string; agentKey: string };

function webPod(i: number, suffix: string): PodDetail {
  return makePod(i, { namespace: 'shop', name: `web-7d9f8b6c5-${suffix}`, ownerKind: 'Deployment', ownerName: 'web', containers: ['app', 'envoy'] });
}
/** A workload whose name is a prefix of web's: the longest matching owner wins. */
const webhook = (): PodDetail => makePod(9, { namespace: 'shop', name: 'web-hooks-5c4b-zz9q1', ownerKind: 'Deployment', ownerName: 'web-hooks' });

beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Log pages', null, { userId: user.id, role: 'owner' });
  browser = await signIn(t, user);
  const api = await apiClient(t, browser);
  on = await createEnrolledCluster(t, api, { name: 'logs-on', orgId: org.id });
  await sendHeartbeat(t, on.agentKey, makeHeartbeat({ pods: [webPod(1, 'aaaaa'), webPod(2, 'bbbbb'), webhook()], capabilities: LOGS_ON }));
  off = await createEnrolledCluster(t, api, { name: 'logs-off', orgId: org.id });
  await sendHeartbeat(t, off.agentKey, makeHeartbeat({ pods: [webPod(1, 'aaaaa')], capabilities: ALL_CAPABILITIES_OFF }));
});
afterAll(async () => {
  await t.close();
});

test('a cluster without the logs capability shows no log buttons: the Logs tab and the pod drawer say logs are off', async () => {
  const tab = await (await browser.get(`/clusters/${off.clusterId}/logs`)).text();
  expect(tab).toContain('id="logs-not-enabled"');
  expect(tab).not.toContain('/pods/shop/web-7d9f8b6c5-aaaaa/logs');
  expect(tab).toContain('data-logs-off');
  const drawer = await (await browser.get(`/clusters/${off.clusterId}/pods/shop/web-7d9f8b6c5-aaaaa`, { 'hx-request': 'true' })).text();
  expect(drawer).not.toContain('data-view-logs');
  expect(drawer).toContain('data-logs-off');
  expect(drawer).toContain(`href="/clusters/${off.clusterId}/logs"`);
  // With the capability, the buttons are there.
  const withLogs = await (await browser.get(`/clusters/${on.clusterId}/logs`)).text();
  expect(withLogs).toContain(`href="/clusters/${on.clusterId}/pods/shop/web-7d9f8b6c5-aaaaa/logs"`);
  expect(withLogs).not.toContain('data-logs-off');
  expect(await (await browser.get(`/clusters/${on.clusterId}/pods/shop/web-7d9f8b6c5-aaaaa`, { 'hx-request': 'true' })).text()).toContain('data-view-logs');
});

test('a pod replaced by a rollout: its viewer says it is gone and offers the workload’s current pods', async () => {
  const path = `/clusters/${on.clusterId}/pods/shop/web-7d9f8b6c5-aaaaa/logs`;
  // While it runs: the viewer, its status chip, and the placeholder that asks when its stream ends.
  const live = await (await browser.get(path)).text();
  expect(live).toContain('id="log-viewer"');
  expect(live).toMatch(/id="log-pod-status" class="chip">Running · 0 restarts</);
  expect(live).toContain(`hx-get="${path}/gone"`);
  expect(await (await browser.get(`${path}/gone`, { 'hx-request': 'true' })).text()).toStartWith('<div id="log-pod-gone" hx-get=');

  // A rollout: the next heartbeat has new pods of the Deployment instead.
  await sendHeartbeat(t, on.agentKey, makeHeartbeat({ pods: [webPod(3, 'ccccc'), webPod(4, 'ddddd'), webhook()], capabilities: LOGS_ON }));
  const gone = await (await browser.get(`${path}/gone`, { 'hx-request': 'true' })).text();
  expect(gone).toContain('data-pod-gone');
  expect(gone).toContain('is no longer in the cluster');
  expect([...gone.matchAll(/data-replacement="([^"]+)"/g)].map((m) => m[1])).toEqual(['web-7d9f8b6c5-ccccc', 'web-7d9f8b6c5-ddddd']);
  expect(gone).toContain(`href="/clusters/${on.clusterId}/pods/shop/web-7d9f8b6c5-ccccc/logs"`);
  expect(gone).toContain('Tail all of Deployment/web');
  // The chip in the crumbs stops saying Running.
  expect(gone).toContain('<span id="log-pod-status" class="chip" hx-swap-oob="true">gone</span>');

  // Opening the old link later: the same offer, no viewer that can only fail.
  const later = await (await browser.get(path)).text();
  expect(later).not.toContain('id="log-viewer"');
  expect(later).toContain('data-replacement="web-7d9f8b6c5-ddddd"');
  expect(later).toMatch(/id="log-pod-status" class="chip">\s*gone/);
  const unknown = await (await browser.get(`/clusters/${on.clusterId}/pods/shop/nothing-like-it-1/logs`)).text();
  expect(unknown).toContain('No pod of a workload by that name runs in this namespace now.');
});
