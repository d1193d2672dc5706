// What every benchmark prints besides its own table, so no figure can be read without its conditions
// and no measured case can be left out of the headline:
//   machine: …            the CPU model, cores, memory, runtime and load average when the run started;
//   CASE <bench> <key> …  one line per measured case (n, p50, p99, max in ms), printed as it is measured;
//   load at end: …        the load average when the run ended (a busy neighbour shows up here);
//   RESULT <bench> …      the benchmark's own keys, then every case's `<key>_p99_ms`, the worst of them
//                         (`worst_p99_ms`, `worst_case`), and `cores`, `load_start`, `load_end`.
// A case is recorded only through `addCase`, and `finish` derives the worst from every recorded case,
// so a case that was measured cannot be missing from the RESULT line (bench/bench.test.ts checks it).
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release } from 'node:os';

export type Summary = { n: number; p50: number; p99: number; max: number };

/** Nearest-rank percentile of ascending `sorted` (q in 0..1); NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Count, p50, p99 and max of durations in ms. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? NaN };
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** A duration as RESULT and CASE lines print it: ms with one decimal. */
export function ms(n: number): string {
  return Number.isFinite(n) ? n.toFixed(1) : 'NaN';
}

export type Report = {
  quick: boolean;
  /** Records a measured case under `key` (snake_case, unique) and prints its CASE line at once. */
  addCase(key: string, summary: Summary): void;
  /** Prints the load at end and the RESULT line: `keys`, then every case's p99, the worst, the machine's keys. */
  finish(keys: Record<string, string | number>): void;
};

function cpuModel(): string {
  // /proc/cpuinfo names the model in full (the runtime may shorten it); elsewhere, what the runtime says.
  try {
    const named = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim();
    if (named) return named.replace(/\s+/g, ' ');
  } catch {
    // Not Linux: fall through.
  }
  const model = cpus()[0]?.model?.trim();
  return model && model !== 'unknown' ? model.replace(/\s+/g, ' ') : 'unknown CPU';
}

function loadText(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** Starts a benchmark's report: prints the machine line (with the load average now) and returns the recorder. */
export function startReport(bench: string): Report {
  const quick = process.argv.includes('--quick');
  const loadStart = loadavg()[0]!;
  const cores = cpus().length;
  console.log(
    `machine: ${cpuModel()}, ${cores} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Linux ${release()}; Bun ${Bun.version}; load average ${loadText()} (1/5/15 min) at start${quick ? '; --quick' : ''}`,
  );
  const cases: { key: string; summary: Summary }[] = [];
  return {
    quick,
    addCase(key, summary) {
      if (!/^[a-z0-9_]+$/.test(key)) throw new Error(`case key "${key}": use snake_case`);
      if (cases.some((c) => c.key === key)) throw new Error(`case "${key}" recorded twice`);
      if (summary.n === 0) throw new Error(`case "${key}" has no samples`);
      cases.push({ key, summary });
      console.log(`CASE ${bench} ${key} n=${summary.n} p50_ms=${ms(summary.p50)} p99_ms=${ms(summary.p99)} max_ms=${ms(summary.max)}`);
    },
    finish(keys) {
      if (cases.length === 0) throw new Error('no case was recorded');
      const loadEnd = loadavg()[0]!;
      console.log(`load at end: ${loadText()} (1/5/15 min)`);
      // Worst by the printed value, so the RESULT line and the CASE lines agree to the digit.
      let worst = cases[0]!;
      for (const c of cases) if (Number(ms(c.summary.p99)) > Number(ms(worst.summary.p99))) worst = c;
      const parts = [
        ...Object.entries(keys).map(([k, v]) => `${k}=${v}`),
        ...cases.map((c) => `${c.key}_p99_ms=${ms(c.summary.p99)}`),
        `worst_p99_ms=${ms(worst.summary.p99)}`,
        `worst_case=${worst.key}`,
        `cores=${cores}`,
        `load_start=${loadStart.toFixed(2)}`,
        `load_end=${loadEnd.toFixed(2)}`,
      ];
      console.log(`RESULT ${bench} ${parts.join(' ')}`);
    },
  };
}

/** Prints rows as a table: the first column left-aligned, the others right-aligned. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows)
    console.log(
      r
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
}
