// The API is documented: an OpenAPI document for everything under /v1 (requests, responses, errors) and a docs page with no CDN assets.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { AGENT_PATHS, CommandsResponse, EnrollResponse, HeartbeatResponse } from '../contract';
import { startTestApp, type TestApp } from '../testing/app';
import { isSuccessStatus } from './openapi';

type Operation = { responses?: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }> };

/**
 * What a response schema must not say: an enum of a nullable type that leaves null out (then null is
 * invalid), or a number that may be a numeric string (Elysia's coercing t.Integer, meant for queries).
 */
function schemaFlaws(schema: unknown, at: string): string[] {
  if (Array.isArray(schema)) return schema.flatMap((s, i) => schemaFlaws(s, `${at}/${i}`));
  if (!schema || typeof schema !== 'object') return [];
  const s = schema as Record<string, unknown>;
  const flaws: string[] = [];
  if (Array.isArray(s.type) && s.type.includes('null') && Array.isArray(s.enum) && !s.enum.includes(null)) flaws.push(`${at}: nullable enum without null`);
  if (s.type === 'string' && (s.format === 'integer' || s.format === 'numeric')) flaws.push(`${at}: a numeric string`);
  for (const [k, v] of Object.entries(s)) flaws.push(...schemaFlaws(v, `${at}/${k}`));
  return flaws;
}

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
  // Every request body is documented as JSON with its schema (a parse hook must not hide it from the generator).
  const bodies = Object.entries(spec.paths).flatMap(([p, methods]) =>
    Object.entries(methods)
      .filter(([, op]) => op.requestBody)
      .map(([m, op]) => ({
        op: `${m} ${p}`,
        schema: (op.requestBody as { content?: Record<string, { schema?: unknown }> }).content?.['application/json']?.schema,
      })),
  );
  expect(bodies.length).toBeGreaterThan(5);
  expect(bodies.filter((b) => !b.schema).map((b) => b.op)).toEqual([]);
  expect(Object.keys(spec.paths).every((p) => p.startsWith('/v1/'))).toBe(true);
});

test('every /v1 operation documents what it answers when it works, with a schema, and its errors', async () => {
  const spec = (await (await t.request('/v1/openapi.json')).json()) as {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
  };
  const problems: string[] = [];
  let operations = 0;
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      operations++;
      const name = `${method.toUpperCase()} ${path}`;
      const responses = op.responses ?? {};
      const successes = Object.entries(responses).filter(([status]) => isSuccessStatus(status));
      if (successes.length === 0) problems.push(`${name}: no 2xx response`);
      for (const [status, response] of successes) {
        const content = Object.entries(response.content ?? {});
        // No body to describe: the answer says so in its description.
        if (status === '204' || status === '101') {
          if (content.length > 0 || !response.description) problems.push(`${name} ${status}: a body, or no description`);
          continue;
        }
        if (content.length === 0) problems.push(`${name} ${status}: no content`);
        for (const [type, media] of content) {
          const meaningful = Object.keys(media.schema ?? {}).filter((k) => k !== 'description');
          if (meaningful.length === 0) problems.push(`${name} ${status} ${type}: empty schema`);
          problems.push(...schemaFlaws(media.schema, `${name} ${status}`));
        }
      }
      if (!responses['4XX']?.content?.['application/json']?.schema) problems.push(`${name}: no error response`);
    }
  }
  expect(problems).toEqual([]);
  expect(operations).toBeGreaterThan(40);
  expect(spec.components.schemas.Error).toBeDefined();
  expect(spec.paths['/v1/agent/stream'].get.responses?.['101']).toBeDefined();
});

test('the contract schemas the agent routes answer with stay open (an agent accepts what a newer server adds)', async () => {
  // Each route's validator is built on its first request; these are refused, but built.
  await t.request(AGENT_PATHS.enroll, { method: 'POST', body: '{}' });
  await t.request(AGENT_PATHS.heartbeat, { method: 'POST', body: '{}' });
  await t.request(AGENT_PATHS.commands);
  for (const schema of [EnrollResponse, HeartbeatResponse, CommandsResponse]) expect(schema.additionalProperties).toBeUndefined();
});

test('the docs page renders from our own origin only', async () => {
  const res = await t.request('/docs/api');
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain('/v1/orgs');
  expect(html).toContain('responses');
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
