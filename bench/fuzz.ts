// Malformed and hostile requests over every operation of the OpenAPI document (src/testing/fuzz.ts builds
// them from the operations' schemas, then spoils them), sent one at a time through the app on a scratch
// database: how many answered 5xx, how many 400/422s named no field, how many refusals wrote rows (a row
// trigger on every table counts them), and how long each area of the API took to refuse or answer.
// 20,000 requests (quick: 2,500) from a fixed seed, so two runs send the same requests.
// Usage: bun bench/fuzz.ts [--quick] [--seed N]   (DATABASE_URL or the local Postgres)
import fc from 'fast-check';
import { startTestApp } from '../src/testing/app';
import { installWriteCounter } from '../src/testing/writes';
import { describeRequest, fuzzRequests, judge, prepareFuzz, sendFuzz } from '../src/testing/fuzz';
import { printTable, startReport, summarize } from './lib/report';

const report = startReport('fuzz');
const REQUESTS = report.quick ? 2_500 : 20_000;
const seedArg = process.argv.indexOf('--seed');
const SEED = seedArg > 0 ? Number(process.argv[seedArg + 1]) : 20_613;
/** Failures printed in full per kind; the rest are counted. */
const EXAMPLES = 5;

const t = await startTestApp({ commandsPollSeconds: 1 });
try {
  const { fixtures, operations } = await prepareFuzz(t);
  const writes = await installWriteCounter(t.db);
  const requests = fc.sample(fuzzRequests(operations, fixtures), { numRuns: REQUESTS, seed: SEED });
  console.log(`fuzz: ${requests.length} requests over ${operations.length} operations, seed ${SEED}, one at a time through app.handle`);

  const byTag = new Map<string, { ms: number[]; refused: number; failed: number }>();
  let waitsCut = 0;
  const failures = { server_errors: [] as string[], unnamed_field_errors: [] as string[], rejected_writes: [] as string[] };
  for (const req of requests) {
    const before = await writes.read();
    const out = await sendFuzz(t, fixtures, req);
    const written = (await writes.read()) - before;
    const verdict = judge(req, out, written);
    const line = describeRequest(req, out);
    if (verdict.serverError) failures.server_errors.push(line);
    if (verdict.unnamedFieldError) failures.unnamed_field_errors.push(line);
    if (verdict.rejectedWrite) failures.rejected_writes.push(`${line} (wrote ${written})`);
    const tag = byTag.get(req.op.tag) ?? { ms: [], refused: 0, failed: 0 };
    // A wait the API offers (the agents' long-poll, a ping) cut short by the client is no latency.
    if (out.cut) waitsCut++;
    else tag.ms.push(out.ms);
    if (out.status >= 400 && out.status < 500) tag.refused++;
    if (out.status >= 500) tag.failed++;
    byTag.set(req.op.tag, tag);
  }

  console.log(`${waitsCut} requests were still waiting by design after 500 ms (a long-poll, a ping) and are left out of the times`);
  const rows = [['area', 'timed', '4xx', '5xx', 'p50 ms', 'p99 ms']];
  for (const [tag, s] of [...byTag].sort(([a], [b]) => a.localeCompare(b))) {
    const summary = summarize(s.ms);
    rows.push([tag, String(summary.n), String(s.refused), String(s.failed), summary.p50.toFixed(1), summary.p99.toFixed(1)]);
  }
  printTable(rows);
  for (const [kind, lines] of Object.entries(failures)) {
    if (lines.length === 0) continue;
    console.log(`${kind}: ${lines.length}`);
    for (const l of lines.slice(0, EXAMPLES)) console.log(`  ${l.slice(0, 400)}`);
  }
  for (const [tag, s] of [...byTag].sort(([a], [b]) => a.localeCompare(b))) report.addCase(tag, summarize(s.ms));
  report.finish({
    requests: requests.length,
    server_errors: failures.server_errors.length,
    unnamed_field_errors: failures.unnamed_field_errors.length,
    rejected_writes: failures.rejected_writes.length,
    waits_cut: waitsCut,
    seed: SEED,
  });
} finally {
  await t.close();
}
