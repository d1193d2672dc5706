// Runs benchmarks: `bun run bench [name] [--quick]` runs bench/<name>.ts, or every benchmark when no
// name is given; other flags go to the benchmark too, with a number after one as its value (`--minutes 10`).
// A benchmark is any bench/*.ts file other than this one (helpers go in subfolders); each runs in its own
// process so one's memory and JIT state never colour another's figures.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const available = readdirSync(import.meta.dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
// A number right after a flag is that flag's value; any other word names a benchmark.
const flags: string[] = [];
const wanted: string[] = [];
for (const [i, a] of args.entries()) {
  if (a.startsWith('--')) flags.push(a);
  else if (i > 0 && args[i - 1]!.startsWith('--') && /^\d+(\.\d+)?$/.test(a)) flags.push(a);
  else wanted.push(a);
}

const unknown = wanted.filter((n) => !available.includes(n));
if (unknown.length) {
  console.error(`unknown benchmark: ${unknown.join(', ')} (available: ${available.join(', ')})`);
  process.exit(2);
}

let failed = 0;
for (const name of wanted.length ? wanted : available) {
  console.log(`\n== bench ${name} ${flags.join(' ')}`.trimEnd());
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, `${name}.ts`), ...flags], { stdout: 'inherit', stderr: 'inherit' });
  const code = await proc.exited;
  if (code !== 0) {
    console.error(`bench ${name} failed (exit ${code})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
