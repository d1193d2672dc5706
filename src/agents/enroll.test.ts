// Enrollment over HTTP is rate-limited per client address (429 with Retry-After, before the body is read); other addresses are unaffected.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startTestApp, type TestApp } from '../testing/app';
import { AGENT_PATHS } from '../contract';

let t: TestApp;
beforeAll(async () => {
  // startTestApp trusts X-Forwarded-For, so each request can come from an address of the test's choosing.
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const enrollFrom = (ip: string, body: string): Promise<Response> =>
  t.request(AGENT_PATHS.enroll, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body });

const unknownToken = JSON.stringify({ token: `niro_enr_abcdefghijkl_${'x'.repeat(43)}`, agentVersion: '0.4.0', protocol: 2 });

test('an address that keeps enrolling gets 429 with Retry-After; another address does not', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 40; i++) statuses.push((await enrollFrom('203.0.113.7', unknownToken)).status);
  // The burst is 30; after it the bucket refills one every 2 s, far slower than this loop asks.
  expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
  expect(statuses.slice(30)).toContain(429);
  const limited = await enrollFrom('203.0.113.7', unknownToken);
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  // Refused before the body is read: a body that is not even JSON gets the same 429.
  expect((await enrollFrom('203.0.113.7', '{nope')).status).toBe(429);
  expect((await enrollFrom('198.51.100.9', unknownToken)).status).toBe(401);
});
