// Property over every operation of the OpenAPI document: whatever is sent — hostile text, numbers in other
// notations, wrong types, unknown fields, malformed or deep JSON, no or bad credentials — the answer is
// never a 5xx, a 400/422 names the field it is about, and a refused request writes nothing.
// Bounded in time (about half a minute of requests); FUZZ_SEED=<n> replays a run, FUZZ_RUNS=<n> runs more.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../testing/app';
import { installWriteCounter, type WriteCounter } from '../testing/writes';
import { describeRequest, fuzzRequests, judge, prepareFuzz, sendFuzz, type Fixtures, type Operation } from '../testing/fuzz';

let t: TestApp;
let writes: WriteCounter;
let fixtures: Fixtures;
let operations: Operation[];

beforeAll(async () => {
  // A long-poll for commands answers within a second, so a request that waits does not hold the run.
  t = await startTestApp({ commandsPollSeconds: 1 });
  ({ fixtures, operations } = await prepareFuzz(t));
  writes = await installWriteCounter(t.db);
});
afterAll(async () => {
  await t.close();
});

test('every operation of the OpenAPI document is generated', () => {
  expect(operations.length).toBeGreaterThan(30);
  const names = operations.map((o) => `${o.method} ${o.template}`);
  for (const op of [
    'POST /v1/orgs',
    'POST /v1/orgs/{id}/members',
    'GET /v1/clusters',
    'POST /v1/clusters/{id}/commands',
    'GET /v1/audit',
    'POST /v1/agent/enroll',
  ])
    expect(names).toContain(op);
});

test('no 5xx, every 400/422 names its field, nothing written by a refused request', async () => {
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(fuzzRequests(operations, fixtures), async (req) => {
      const before = await writes.read();
      const out = await sendFuzz(t, fixtures, req);
      const written = (await writes.read()) - before;
      sent++;
      const verdict = judge(req, out, written);
      const problems = [
        verdict.serverError && 'server error',
        verdict.unnamedFieldError && 'names no field it was sent',
        verdict.rejectedWrite && `refused but wrote ${written} rows`,
      ].filter(Boolean);
      if (problems.length) throw new Error(`${problems.join(', ')}: ${describeRequest(req, out)}`);
    }),
    {
      numRuns: Number(process.env.FUZZ_RUNS) || 4000,
      seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
      interruptAfterTimeLimit: 30_000,
      markInterruptAsFailure: false,
    },
  );
  expect(sent).toBeGreaterThan(200);
}, 60_000);
