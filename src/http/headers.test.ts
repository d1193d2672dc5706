// Every response carries the security headers: pages, JSON, redirects, errors, static files, early refusals.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startTestApp, type TestApp } from '../testing/app';
import { assetUrl } from './assets';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

function expectHeaders(res: Response, where: string): void {
  const csp = res.headers.get('content-security-policy') ?? '';
  expect({ where, csp: csp.includes("script-src 'self'") && csp.includes("frame-ancestors 'none'") }).toEqual({ where, csp: true });
  expect(csp).not.toContain('unsafe-eval');
  expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('same-origin');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
}

test('pages, JSON, redirects, errors, assets and refusals all carry them', async () => {
  const cases: [string, RequestInit?][] = [
    ['/login'],
    ['/'],
    ['/v1/me'],
    ['/v1/openapi.json'],
    ['/docs/api'],
    ['/no-such-page'],
    ['/v1/no-such-endpoint'],
    [assetUrl('app.js')],
    ['/healthz'],
    ['/login', { method: 'POST', body: 'not a form', headers: { 'content-type': 'application/json' } }],
    ['/v1/orgs', { method: 'POST', body: 'x', headers: { 'content-type': 'application/json', 'content-length': String(1024 ** 3) } }],
  ];
  for (const [path, init] of cases) expectHeaders(await t.request(path, init), `${init?.method ?? 'GET'} ${path}`);
});

test('HSTS only when the public URL is https', async () => {
  expect((await t.request('/login')).headers.get('strict-transport-security')).toBeNull();
  const https = await startTestApp({ publicUrl: 'https://niro.example.com' });
  try {
    expect((await https.request('/login')).headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect((await https.request('/v1/me')).headers.get('strict-transport-security')).toBe('max-age=31536000');
  } finally {
    await https.close();
  }
});
