// Every benchmark, run with --quick, ends with a RESULT line whose worst case covers every case it printed.
// Checks the instrument, never a figure: the machine and load lines are printed, each CASE line has its
// `<case>_p99_ms` in RESULT (and every such key has its CASE line), and `worst_p99_ms` / `worst_case` are
// the maximum over them — so a case measured and then left out of the headline fails here.
import { describe, expect, test } from 'bun:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dir;
const benchmarks = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

/** Keys each known benchmark must carry besides the common ones (its goals are checked against them). */
const OWN_KEYS: Record<string, string[]> = {
  heartbeat: ['unchanged_vs_parse', 'unchanged_vs_parse_worst', 'churn_vs_copy', 'churn_vs_copy_worst', 'rows_per_unchanged_beat', 'key_lookups_per_beat'],
  pods: ['p99_vs_sql', 'p99_vs_sql_case', 'cases_over_goal', 'bytes_per_pod_day'],
  logs: ['same_worst_p50_ms', 'cross_worst_p50_ms', 'lines_per_s', 'concurrent_lines_per_s', 'silent_drops'],
  agent: ['binary_mb', 'image_mb', 'image_gz_mb', 'rss_mib_1000_pods', 'cpu_ms_per_beat', 'api_bytes_per_beat', 'cpu_vs_relist'],
  bombs: ['p99_ms', 'rss_growth_mib', 'bombs_not_refused', 'anonymous_not_413'],
  fuzz: ['requests', 'server_errors', 'unnamed_field_errors', 'rejected_writes', 'waits_cut'],
  fleet_scale: ['warm_p99_ms', 'cold_p99_ms', 'cold_index_s', 'replicas3_p99_ms', 'errors', 'pods_p99_ms', 'pods_vs_sql', 'reboot_settle_s'],
  soak: ['errors', 'rss_growth_pct', 'rss_start_mib', 'rss_end_mib', 'rss_max_mib', 'beats', 'page_views', 'log_lines'],
  fleet_page: ['render_p95_ms', 'first_load_kb', 'unchanged_poll_bytes', 'unchanged_poll_status'],
};
const COMMON_KEYS = ['worst_p99_ms', 'worst_case', 'cores', 'load_start', 'load_end'];

type Run = { code: number; stdout: string; stderr: string; seconds: number };

function runQuick(name: string): Promise<Run> {
  const started = performance.now();
  const proc = Bun.spawn([process.execPath, join(dir, `${name}.ts`), '--quick'], { cwd: join(dir, '..'), stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' });
  return Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]).then(([stdout, stderr, code]) => ({
    code,
    stdout,
    stderr,
    seconds: (performance.now() - started) / 1000,
  }));
}

// Two at a time: most of a quick run is waiting (paced beats, 1 s agent intervals), and two keep the
// machine's connections and cores within what a CI runner has. Started by the first test that needs one.
let runs: Map<string, Promise<Run>> | null = null;
function runOf(name: string): Promise<Run> {
  if (!runs) {
    const started = new Map<string, Promise<Run>>();
    const waiting: (() => void)[] = [];
    let running = 0;
    const release = (): void => {
      running--;
      waiting.shift()?.();
    };
    for (const n of benchmarks) {
      const slot = new Promise<void>((start) => (running < 2 ? (running++, start()) : waiting.push(() => (running++, start()))));
      started.set(
        n,
        slot.then(() => runQuick(n).finally(release)),
      );
    }
    runs = started;
  }
  return runs.get(name)!;
}

/** What is wrong with a benchmark's output (empty when its machine, load, CASE and RESULT lines agree). */
function problemsOf(name: string, stdout: string): string[] {
  const problems: string[] = [];
  const lines = stdout.split('\n');
  if (!lines.some((l) => /^machine: .+, \d+ cores, .*load average [\d.]+ [\d.]+ [\d.]+/.test(l)))
    problems.push('no machine line (CPU, cores, load average at start)');
  if (!lines.some((l) => /^load at end: [\d.]+ [\d.]+ [\d.]+/.test(l))) problems.push('no load-at-end line');
  const results = lines.filter((l) => l.startsWith(`RESULT ${name} `));
  if (results.length !== 1) return [...problems, `${results.length} RESULT ${name} lines`];
  const result = new Map(
    results[0]!
      .split(' ')
      .slice(2)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const),
  );
  for (const key of [...COMMON_KEYS, ...(OWN_KEYS[name] ?? [])]) if (!result.has(key)) problems.push(`RESULT lacks ${key}`);
  // Each CASE line's p99 as printed.
  const cases = new Map<string, string>();
  for (const l of lines) {
    const m = new RegExp(`^CASE ${name} (\\S+) n=(\\d+) p50_ms=(\\S+) p99_ms=(\\S+) max_ms=(\\S+)$`).exec(l);
    if (!m) continue;
    if (cases.has(m[1]!)) problems.push(`case ${m[1]} printed twice`);
    if (!(Number(m[2]) > 0)) problems.push(`case ${m[1]} has no samples`);
    if (!Number.isFinite(Number(m[4]))) problems.push(`case ${m[1]}: p99 ${m[4]}`);
    cases.set(m[1]!, m[4]!);
  }
  if (cases.size === 0) return [...problems, 'no CASE lines'];
  for (const [key, p99] of cases) if (result.get(`${key}_p99_ms`) !== p99) problems.push(`case ${key} (p99 ${p99}) is not in RESULT as ${key}_p99_ms=${p99}`);
  // A goal's own key (fleet_scale's warm_p99_ms, the worst of its warm cases) is the benchmark's, not a case's.
  const own = OWN_KEYS[name] ?? [];
  for (const key of result.keys())
    if (key.endsWith('_p99_ms') && key !== 'worst_p99_ms' && !own.includes(key) && !cases.has(key.slice(0, -'_p99_ms'.length)))
      problems.push(`RESULT key ${key} has no CASE line`);
  const worst = Math.max(...[...cases.values()].map(Number));
  if (Number(result.get('worst_p99_ms')) !== worst) problems.push(`worst_p99_ms=${result.get('worst_p99_ms')}, but the highest case p99 is ${worst}`);
  if (Number(cases.get(result.get('worst_case') ?? '')) !== worst)
    problems.push(`worst_case=${result.get('worst_case')} is not a case with the highest p99 (${worst})`);
  return problems;
}

describe('the RESULT check', () => {
  const machine =
    'machine: Some CPU, 2 cores, 8.0 GiB RAM, Linux 6; Bun 1; load average 0.10 0.20 0.30 (1/5/15 min) at start\nload at end: 0.40 0.50 0.60 (1/5/15 min)';
  const head = `${machine}\nCASE x a n=10 p50_ms=1.0 p99_ms=9.5 max_ms=9.9\nCASE x b n=10 p50_ms=2.0 p99_ms=60.1 max_ms=70.0`;
  const tail = 'cores=2 load_start=0.10 load_end=0.40';

  test('accepts a RESULT whose worst covers every case', () => {
    expect(problemsOf('x', `${head}\nRESULT x a_p99_ms=9.5 b_p99_ms=60.1 worst_p99_ms=60.1 worst_case=b ${tail}`)).toEqual([]);
  });

  test('catches a case measured and left out', () => {
    expect(problemsOf('x', `${head}\nRESULT x a_p99_ms=9.5 worst_p99_ms=9.5 worst_case=a ${tail}`)).toEqual([
      'case b (p99 60.1) is not in RESULT as b_p99_ms=60.1',
      'worst_p99_ms=9.5, but the highest case p99 is 60.1',
      'worst_case=a is not a case with the highest p99 (60.1)',
    ]);
  });

  test('catches a missing machine line and missing keys', () => {
    expect(problemsOf('x', 'CASE x a n=1 p50_ms=1.0 p99_ms=1.0 max_ms=1.0\nRESULT x a_p99_ms=1.0')).toEqual([
      'no machine line (CPU, cores, load average at start)',
      'no load-at-end line',
      'RESULT lacks worst_p99_ms',
      'RESULT lacks worst_case',
      'RESULT lacks cores',
      'RESULT lacks load_start',
      'RESULT lacks load_end',
      'worst_p99_ms=undefined, but the highest case p99 is 1',
      'worst_case=undefined is not a case with the highest p99 (1)',
    ]);
  });
});

describe('benchmarks in --quick mode', () => {
  for (const name of benchmarks) {
    test(
      name,
      async () => {
        const run = await runOf(name);
        const context = `bench/${name}.ts --quick exited ${run.code} after ${run.seconds.toFixed(0)} s\n--- stdout (end)\n${run.stdout.slice(-3000)}\n--- stderr (end)\n${run.stderr.slice(-3000)}`;
        if (run.code !== 0) throw new Error(context);
        // A file's RESULT name is its own with `_` for `-` (bench/fleet-page.ts prints RESULT fleet_page).
        expect(problemsOf(name.replaceAll('-', '_'), run.stdout), context).toEqual([]);
      },
      10 * 60_000,
    );
  }
});
