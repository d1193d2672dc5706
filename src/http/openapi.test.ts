// The API is documented: an OpenAPI document for everything under /v1 and a docs page with no CDN assets.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startTestApp, type TestApp } from '../testing/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

test('openapi.json lists the /v1 endpoints with their schemas', async () => {
  const res = await t.request('/v1/openapi.json');
  expect(res.status).toBe(200);
  const spec = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
  expect(spec.openapi).toStartWith('3.');
  for (const p of ['/v1/me', '/v1/tokens', '/v1/orgs', '/v1/orgs/{id}/members', '/v1/audit']) expect(Object.keys(spec.paths)).toContain(p);
  expect(spec.paths['/v1/tokens'].post.requestBody).toBeDefined();
  expect(Object.keys(spec.paths).every((p) => p.startsWith('/v1/'))).toBe(true);
});

test('the docs page renders from our own origin only', async () => {
  const res = await t.request('/docs/api');
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain('/v1/orgs');
  const external = [...html.matchAll(/(?:src|href)="(https?:[^"]+)"/g)].map((m) => m[1]);
  expect(external).toEqual([]);
});

test('assets are fingerprinted with long cache headers', async () => {
  const page = await (await t.request('/login')).text();
  const htmx = /src="(\/assets\/[0-9a-f]{12}\/htmx\.js)"/.exec(page)![1];
  const res = await t.request(htmx);
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toContain('immutable');
  expect((await t.request('/assets/000000000000/htmx.js')).headers.get('cache-control')).toBe('no-cache');
  expect((await t.request('/assets/x/..%2F..%2Fpackage.json')).status).toBe(404);
});
