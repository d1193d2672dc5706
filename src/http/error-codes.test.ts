// One vocabulary of error codes: every refusal answers a code of error-codes.ts (a bad value of any kind is invalid_request), a closed list names its values, and the README and the OpenAPI document list exactly these codes.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { ERROR_CODES, ERROR_CODE_LIST } from './error-codes';

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
let orgId: string;

beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  orgId = (await makeOrg(t.db, 'Codes', null, { userId: user.id, role: 'owner' })).id;
  api = await apiClient(t, await signIn(t, user));
});
afterAll(async () => {
  await t.close();
});

type ErrorBody = { error: { code: string; message: string } };

async function refusal(method: string, path: string, body?: unknown): Promise<{ status: number; code: string; message: string }> {
  const res = await api.call(method, path, body);
  const json = (await res.json()) as ErrorBody;
  return { status: res.status, ...json.error };
}

test('a bad value is invalid_request wherever it is found: a schema, a handler, a cursor', async () => {
  const cases = [
    await refusal('GET', '/v1/clusters/pods?limit=0'),
    await refusal('GET', '/v1/clusters/pods?cursor=not-a-cursor'),
    await refusal('GET', '/v1/audit?cursor=xyz'),
    await refusal('POST', '/v1/orgs', { name: '   ' }),
    await refusal('POST', '/v1/tails', { ownerKind: 'Deployment', ownerName: 'web', filter: { pattern: '(a+)+', regex: true } }),
  ];
  for (const c of cases) expect({ status: c.status, code: c.code }).toEqual({ status: 400, code: 'invalid_request' });
});

test('a closed list names the values it accepts, in a query and in a body', async () => {
  const sort = await refusal('GET', '/v1/clusters/pods?sort=size');
  expect(sort).toEqual({
    status: 400,
    code: 'invalid_request',
    message: 'sort: must be one of name, restarts, age, cpu, memory, cpu_of_request, cpu_of_limit, memory_of_request, memory_of_limit (got "size")',
  });
  const role = await refusal('POST', `/v1/orgs/${orgId}/members`, { email: 'a@example.com', role: 'god' });
  expect(role.code).toBe('invalid_request');
  expect(role.message).toBe('role: must be one of owner, admin, member, viewer (got "god")');
  const environment = await refusal('POST', '/v1/clusters', { name: 'edge-1', environment: 'prod', orgId });
  expect(environment.message).toBe('environment: must be one of production, staging, dev, unspecified (got "prod")');
});

test('every code has its own status; the OpenAPI Error schema and the README list exactly these codes', async () => {
  const spec = (await (await t.request('/v1/openapi.json')).json()) as {
    components: { schemas: { Error: { properties: { error: { properties: { code: { anyOf: { const: string }[] } } } } } } };
  };
  const documented = spec.components.schemas.Error.properties.error.properties.code.anyOf.map((s) => s.const);
  expect(documented).toEqual(ERROR_CODE_LIST);
  const readme = await Bun.file(new URL('../../README.md', import.meta.url)).text();
  const table = [...readme.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => ({ code: m[1], status: Number(m[2]) }));
  expect(table).toEqual(ERROR_CODE_LIST.map((code) => ({ code, status: ERROR_CODES[code].status })));
  const docs = await (await t.request('/docs/api')).text();
  for (const code of ERROR_CODE_LIST) expect(docs).toContain(`>${code}<`);
});
