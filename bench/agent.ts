// The shipped agent binary (`bun build --compile`, as `npm run build:agent` makes it) against the
// Kubernetes simulator and a stub control plane that answers the contract and counts beats:
//   size      — of the binary, next to a compiled one-line program (the Bun runtime alone), and of the
//               image `deploy/agent/Dockerfile` makes: the binary's layer plus the base image's layers,
//               rebuilt from the Debian packages the base is made of (bench/lib/image.ts; MB = 10^6 bytes);
//   start-up  — `--version` wall time, next to the one-line program; and spawn → first heartbeat;
//   RSS       — idle (a 60-pod cluster, between beats), with 1000 pods, and at the contract's cap of pods per
//               heartbeat next to the shipped Deployment's memory limit (peak VmHWM and steady VmRSS);
//   CPU       — utime+stime from /proc/<pid>/stat over N beats at a 1 s interval, per beat (each beat's own
//               CPU read at its arrival: the cases, p50/p99 per cluster size), split by thread
//               (/proc/<pid>/task), next to two floors measured in the same run: this process gzipping the
//               same body (serialization), and a compiled program that only lists the same pods the way
//               the agent does, over the same TLS, once a second (reading).
// Usage: bun bench/agent.ts [--quick]
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { POD_PAGE_SIZE } from '../agent/kube';
import { LIMITS } from '../src/contract';
import { startFleetMember, type FleetMember } from '../sim/fleet';
import { cpuMs, procStatus, splitPerBeat, startStub, threadCpuMs, waitBeats } from './lib/agent-process';
import { measureWatchVsRelist } from './lib/agent-watch';
import { median, startReport, summarize, type Summary } from './lib/report';
import { baseImageOf, fileLayer, measureBaseImage } from './lib/image';

const report = startReport('agent');
const quick = report.quick;
const BEATS = quick ? 4 : 20;
/** Beats before measuring: JIT, caches, the key Secret written. */
const WARMUP_BEATS = quick ? 2 : 3;
const STARTS = quick ? 5 : 15;
const root = join(import.meta.dir, '..');
const work = mkdtempSync(join(tmpdir(), 'niro-bench-agent-'));
const MIB = 1024 * 1024;
const MB = 1_000_000;

function run(cmd: string[], cwd = root): void {
  const p = Bun.spawnSync(cmd, { cwd, stdout: 'pipe', stderr: 'pipe' });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(' ')} failed: ${p.stderr.toString()}`);
}

/** limits.memory of the agent container in the shipped Deployment, in MiB. */
function deploymentMemoryLimitMib(): number {
  const manifest = readFileSync(join(root, 'deploy', 'agent', 'deployment.yaml'), 'utf8');
  const limit = /limits:\s*\n(?:\s+cpu:.*\n)?\s+memory:\s*(\d+)Mi/.exec(manifest);
  if (!limit) throw new Error('deploy/agent/deployment.yaml: no memory limit in Mi found');
  return Number(limit[1]);
}

/** The reading floor: a compiled program listing the simulator's pods as the agent does, every second, for `reads` reads. */
async function readFloor(program: string, member: FleetMember, reads: number): Promise<{ cpuPerRead: number; peak: number }> {
  const p = Bun.spawn([program], {
    env: { SIM_URL: member.sim.url, SIM_TOKEN: member.sim.token, NODE_EXTRA_CA_CERTS: member.sim.caFile, PAGE: String(POD_PAGE_SIZE) },
    stdout: 'pipe',
    stderr: 'ignore',
  });
  const reader = p.stdout.getReader();
  let done = 0;
  const waitReads = async (count: number): Promise<void> => {
    while (done < count) {
      const { value, done: ended } = await reader.read();
      if (ended) throw new Error('the read-floor program exited');
      done += value.filter((byte) => byte === 10).length;
    }
  };
  try {
    await waitReads(3);
    const from = done;
    const cpu0 = cpuMs(p.pid);
    await waitReads(from + reads);
    return { cpuPerRead: (cpuMs(p.pid) - cpu0) / (done - from), peak: procStatus(p.pid, 'VmHWM') };
  } finally {
    p.kill('SIGKILL');
    await p.exited;
  }
}

async function timeStarts(binary: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    const p = Bun.spawn([binary, '--version'], { stdout: 'ignore', stderr: 'ignore' });
    await p.exited;
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** RSS of the one-line program left running for a moment, and how much of it is the binary's file pages. */
async function idleRss(binary: string): Promise<{ rss: number; file: number; anon: number }> {
  const p = Bun.spawn([binary], { stdout: 'ignore', stderr: 'ignore' });
  await Bun.sleep(500);
  const measured = { rss: procStatus(p.pid, 'VmRSS'), file: procStatus(p.pid, 'RssFile'), anon: procStatus(p.pid, 'RssAnon') };
  p.kill('SIGKILL');
  await p.exited;
  return measured;
}

type Measured = {
  firstBeatMs: number;
  rssSteady: number;
  rssPeak: number;
  anonPeak: number;
  fileSteady: number;
  cpuPerBeat: number;
  split: { js: number; http: number; other: number };
  bodyBytes: number;
  gzBytes: number;
  /** The last beat: a delta. */
  deltaGzBytes: number;
  serializeMs: number;
  perBeat: Summary;
  floor: { cpuPerRead: number; peak: number } | null;
};

/** One agent against a fresh simulator of `pods` pods: time to first beat, RSS after warm-up, CPU over BEATS beats. */
async function measure(binary: string, pods: number, nodes: number, floorProgram: string | null): Promise<Measured> {
  const stub = startStub();
  let member: FleetMember | null = null;
  try {
    member = await startFleetMember({
      name: `bench-${pods}`,
      nodes,
      pods,
      seed: 7,
      tickMs: 2000,
      logLinesPerSecond: 0,
      niroUrl: stub.url,
      agentCommand: [binary],
      agentEnv: { NIRO_LOG_LEVEL: 'warn' },
    });
    const t0 = performance.now();
    member.startAgent('niro_enr_bench');
    await waitBeats(stub, 1, 30_000);
    const firstBeatMs = stub.beats[0]!.at - t0;
    await waitBeats(stub, WARMUP_BEATS, 30_000);
    const pid = member.agentPid()!;
    stub.watch(pid);
    const from = stub.beats.length;
    const cpu0 = cpuMs(pid);
    const threads0 = threadCpuMs(pid);
    // VmHWM has no anonymous-only twin: sample RssAnon (heap, buffers) while the beats run.
    let anonPeak = 0;
    const sampler = setInterval(() => (anonPeak = Math.max(anonPeak, procStatus(pid, 'RssAnon'))), 20);
    await waitBeats(stub, from + BEATS, BEATS * 3000 + 10_000);
    clearInterval(sampler);
    const beats = stub.beats.length - from;
    // Each beat's own CPU: from the agent's CPU at one beat's arrival to the next (the first watched beat opens the series).
    const measured = stub.beats
      .slice(from)
      .map((b) => b.cpu)
      .filter((c) => Number.isFinite(c));
    const perBeat = summarize(measured.slice(1).map((c, i) => c - measured[i]!));
    const cpuPerBeat = (cpuMs(pid) - cpu0) / beats;
    const split = splitPerBeat(threads0, threadCpuMs(pid), readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), beats);
    const rssSteady = procStatus(pid, 'VmRSS');
    const rssPeak = procStatus(pid, 'VmHWM');
    const fileSteady = procStatus(pid, 'RssFile');
    // The first beat carries every pod; later ones are deltas on the stub's acknowledgement.
    const first = stub.beats[0]!.gzipped;
    const json = gunzipSync(first);
    // Floor of one beat in-process: stringify a parsed copy of the same body and gzip it at the agent's level.
    const parsed = JSON.parse(json.toString('utf8')) as unknown;
    const runs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const s = performance.now();
      gzipSync(JSON.stringify(parsed), { level: 5 });
      runs.push(performance.now() - s);
    }
    // With the agent stopped, the same simulator's pods read by the floor program.
    await member.stopAgent();
    const floor = floorProgram ? await readFloor(floorProgram, member, BEATS) : null;
    return {
      firstBeatMs,
      rssSteady,
      rssPeak,
      anonPeak,
      fileSteady,
      cpuPerBeat,
      split,
      bodyBytes: json.length,
      gzBytes: first.length,
      deltaGzBytes: stub.beats.at(-1)!.gzipped.length,
      serializeMs: median(runs),
      floor,
      perBeat,
    };
  } finally {
    await member?.stop();
    stub.stop();
  }
}

try {
  const binary = join(work, 'niro-agent');
  const hello = join(work, 'hello');
  // Built exactly as package.json's build:agent does, into the scratch dir (a concurrent build can't interfere).
  run([
    'bun',
    'build',
    'agent/main.ts',
    '--compile',
    '--bytecode',
    '--format=esm',
    '--no-compile-autoload-dotenv',
    '--no-compile-autoload-bunfig',
    '--compile-exec-argv=--smol',
    '--outfile',
    binary,
  ]);
  // Prints and exits with --version (start-up baseline); otherwise stays up, idle (RSS baseline).
  writeFileSync(join(work, 'hello.ts'), "console.log('hello')\nif (!process.argv.includes('--version')) setInterval(() => {}, 1000)\n");
  run(['bun', 'build', join(work, 'hello.ts'), '--compile', '--bytecode', '--format=esm', '--outfile', hello], work);

  // The reading floor: list every pod in the agent's page size over HTTPS, parse, nothing else; a line per read.
  const floorProgram = join(work, 'read-floor');
  writeFileSync(
    join(work, 'read-floor.ts'),
    [
      'const { SIM_URL, SIM_TOKEN, PAGE } = process.env',
      'for (;;) {',
      "  let token = ''",
      '  do {',
      "    const query = new URLSearchParams({ limit: PAGE! }); if (token) query.set('continue', token)",
      "    const response = await fetch(`${SIM_URL}/api/v1/pods?${query}`, { headers: { Authorization: `Bearer ${SIM_TOKEN}`, Accept: 'application/json' } })",
      '    const page = (await response.json()) as { metadata?: { continue?: string } }',
      "    token = page.metadata?.continue ?? ''",
      '  } while (token)',
      "  console.log('read')",
      '  await Bun.sleep(1000)',
      '}',
    ].join('\n'),
  );
  run(['bun', 'build', join(work, 'read-floor.ts'), '--compile', '--bytecode', '--format=esm', '--outfile', floorProgram], work);

  const size = statSync(binary).size;
  const baseSize = statSync(hello).size;
  // The image: no container daemon or registry is needed (or reachable) here, so it is rebuilt from its parts.
  const base = measureBaseImage(baseImageOf(join(root, 'deploy', 'agent', 'Dockerfile')));
  const binaryLayer = fileLayer(binary);
  const baseTar = base.layers.reduce((n, l) => n + l.tarBytes, 0);
  const baseGz = base.layers.reduce((n, l) => n + l.gzBytes, 0);
  const imageTar = baseTar + binaryLayer.tarBytes;
  const imageGz = baseGz + binaryLayer.gzBytes;
  const startMs = await timeStarts(binary);
  const baseStartMs = await timeStarts(hello);
  const { rss: baseRss, file: baseFile, anon: baseAnon } = await idleRss(hello);
  const idle = await measure(binary, 60, 3, null);
  const big = await measure(binary, 1000, 10, floorProgram);
  // The contract's cap on pods per heartbeat: the shipped Deployment's memory limit has to hold it.
  const max = await measure(binary, LIMITS.podsPerHeartbeat, 50, null);
  // The watch-fed view beside the re-list path (NIRO_WATCH=false) in interleaved rounds, then 50 pod changes per second.
  const pair = await measureWatchVsRelist(binary, {
    pods: 1000,
    nodes: 10,
    rounds: quick ? 2 : 6,
    beatsPerRound: quick ? 3 : 5,
    warmupBeats: WARMUP_BEATS,
    churnSeconds: quick ? 4 : 20,
    changesPerSecond: 50,
  });
  const limitMib = deploymentMemoryLimitMib();
  const floor = big.floor!;
  report.addCase('cpu_60_pods', idle.perBeat);
  report.addCase('cpu_1000_pods', big.perBeat);
  report.addCase(`cpu_${LIMITS.podsPerHeartbeat}_pods`, max.perBeat);
  report.addCase('cpu_1000_pods_unchanged', pair.watch.perBeat);
  report.addCase('cpu_1000_pods_unchanged_relist', pair.relist.perBeat);

  const rows: [string, string, string][] = [
    ['measure', 'agent', 'baseline (bun runtime, hello world)'],
    ['binary size', `${(size / MB).toFixed(1)} MB (${(size / MIB).toFixed(1)} MiB)`, `${(baseSize / MB).toFixed(1)} MB (${(baseSize / MIB).toFixed(1)} MiB)`],
    [
      'image: binary layer + base layers',
      `${(imageTar / MB).toFixed(1)} MB (${(imageGz / MB).toFixed(1)} MB gzipped)`,
      `base ${(baseTar / MB).toFixed(1)} MB (${(baseGz / MB).toFixed(1)} MB gzipped)`,
    ],
    ['start-up (--version, median)', `${startMs.toFixed(0)} ms`, `${baseStartMs.toFixed(0)} ms`],
    ['spawn → first heartbeat, 60 pods', `${idle.firstBeatMs.toFixed(0)} ms`, ''],
    ['spawn → first heartbeat, 1000 pods', `${big.firstBeatMs.toFixed(0)} ms`, ''],
    [
      'RSS idle, 60 pods (steady / peak)',
      `${(idle.rssSteady / MIB).toFixed(1)} / ${(idle.rssPeak / MIB).toFixed(1)} MiB`,
      `${(baseRss / MIB).toFixed(1)} MiB idle`,
    ],
    ['RSS 1000 pods (steady / peak)', `${(big.rssSteady / MIB).toFixed(1)} / ${(big.rssPeak / MIB).toFixed(1)} MiB`, ''],
    [
      '  of which file pages / anon peak',
      `${(big.fileSteady / MIB).toFixed(1)} / ${(big.anonPeak / MIB).toFixed(1)} MiB`,
      `${(baseFile / MIB).toFixed(1)} / ${(baseAnon / MIB).toFixed(1)} MiB`,
    ],
    [
      'CPU per beat, 60 pods (mean, p99)',
      `${idle.cpuPerBeat.toFixed(1)} ms, ${idle.perBeat.p99.toFixed(0)} ms`,
      `${idle.serializeMs.toFixed(1)} ms stringify+gzip of a full beat`,
    ],
    [
      'CPU per beat, 1000 pods (mean, p99)',
      `${big.cpuPerBeat.toFixed(1)} ms, ${big.perBeat.p99.toFixed(0)} ms`,
      `${big.serializeMs.toFixed(1)} ms stringify+gzip of a full beat`,
    ],
    ['  JS thread / HTTP thread / other', `${big.split.js.toFixed(1)} / ${big.split.http.toFixed(1)} / ${big.split.other.toFixed(1)} ms`, ''],
    [
      `RSS ${LIMITS.podsPerHeartbeat} pods (steady / peak)`,
      `${(max.rssSteady / MIB).toFixed(1)} / ${(max.rssPeak / MIB).toFixed(1)} MiB`,
      `${limitMib} MiB Deployment memory limit`,
    ],
    [`CPU per beat, ${LIMITS.podsPerHeartbeat} pods (mean, p99)`, `${max.cpuPerBeat.toFixed(1)} ms, ${max.perBeat.p99.toFixed(0)} ms`, ''],
    [
      'CPU per beat, 1000 pods, none changed (mean, p99)',
      `${pair.watch.cpuPerBeat.toFixed(1)} ms, ${pair.watch.perBeat.p99.toFixed(0)} ms`,
      `re-list path ${pair.relist.cpuPerBeat.toFixed(1)} ms, ${pair.relist.perBeat.p99.toFixed(0)} ms`,
    ],
    [
      'API bytes read per beat, 1000 pods, none changed',
      `${(pair.watch.bytesPerBeat / 1024).toFixed(1)} KiB`,
      `re-list path ${(pair.relist.bytesPerBeat / 1024).toFixed(0)} KiB`,
    ],
    ['  of which one read of pod + node metrics (both paths)', `${(pair.metricsBytes / 1024).toFixed(1)} KiB`, ''],
    ['peak RSS in those rounds', `${(pair.watch.rssPeak / MIB).toFixed(1)} MiB`, `re-list path ${(pair.relist.rssPeak / MIB).toFixed(1)} MiB`],
    [
      `${pair.churn.changes} pod changes in ${pair.churn.seconds.toFixed(1)} s`,
      `${pair.churn.cpuPct.toFixed(1)} % of one core (${pair.churn.beats} beats)`,
      '',
    ],
    ['reading the 1000 pods alone', '', `${floor.cpuPerRead.toFixed(1)} ms CPU, ${(floor.peak / MIB).toFixed(1)} MiB peak RSS`],
    [
      'heartbeat body, 1000 pods',
      `${(big.bodyBytes / 1024).toFixed(0)} KiB JSON, ${(big.gzBytes / 1024).toFixed(0)} KiB gzipped (full)`,
      `a delta beat: ${(big.deltaGzBytes / 1024).toFixed(1)} KiB gzipped`,
    ],
  ];
  console.log(`agent binary against the simulator, ${BEATS} beats at 1 s per measurement after ${WARMUP_BEATS} warm-up${quick ? ' (quick)' : ''}`);
  const widths = [0, 1, 2].map((col) => Math.max(...rows.map((r) => r[col]!.length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, col) => cell.padEnd(widths[col]!))
        .join('  ')
        .trimEnd(),
    );
  console.log(
    `image layers (tar MB / gzipped MB): ${[binaryLayer, ...base.layers].map((l) => `${l.name} ${(l.tarBytes / MB).toFixed(2)}/${(l.gzBytes / MB).toFixed(2)}${l.source === 'installed' ? ' (from the installed package)' : ''}`).join(', ')}`,
  );
  console.log(
    `base image ${base.image}: not pulled (no container daemon or registry here); rebuilt from its Debian bookworm packages as apt serves them today, plus the CA bundle; its few small configuration files (< 10 kB) not counted${base.missing.length ? `; MISSING (not counted): ${base.missing.join(', ')}` : ''}`,
  );
  console.log(
    `targets: peak RSS ≤ 85 MiB with 1000 pods (${(big.rssPeak / MIB).toFixed(1)}; ${(pair.watch.rssPeak / MIB).toFixed(1)} unchanged and churning); CPU per beat with no pod changed ≤ 10 ms (${pair.watch.cpuPerBeat.toFixed(1)}) and ≤ 0.15× the re-list path (${(pair.watch.cpuPerBeat / pair.relist.cpuPerBeat).toFixed(2)}); API bytes per beat ≤ 2 % of the re-list path's (${((pair.watch.bytesPerBeat / pair.relist.bytesPerBeat) * 100).toFixed(2)} %); 50 changes/s under 20 % of one core (${pair.churn.cpuPct.toFixed(1)} %)`,
  );
  report.finish({
    binary_mb: (size / MB).toFixed(1),
    binary_mib: (size / MIB).toFixed(1),
    image_mb: (imageTar / MB).toFixed(1),
    image_gz_mb: (imageGz / MB).toFixed(1),
    base_layers_mb: (baseTar / MB).toFixed(1),
    base_packages_missing: base.missing.length,
    rss_mib_idle: (idle.rssSteady / MIB).toFixed(1),
    rss_mib_1000_pods: (big.rssPeak / MIB).toFixed(1),
    cpu_ms_per_beat: big.cpuPerBeat.toFixed(1),
    startup_ms: startMs.toFixed(0),
    anon_mib_1000_pods: (big.anonPeak / MIB).toFixed(1),
    cpu_vs_serialize: (big.cpuPerBeat / big.serializeMs).toFixed(1),
    cpu_vs_read: (big.cpuPerBeat / floor.cpuPerRead).toFixed(1),
    read_floor_ms: floor.cpuPerRead.toFixed(1),
    read_floor_rss_mib: (floor.peak / MIB).toFixed(1),
    [`rss_mib_${LIMITS.podsPerHeartbeat}_pods`]: (max.rssPeak / MIB).toFixed(1),
    memory_limit_mib: limitMib,
    cpu_ms_per_beat_unchanged: pair.watch.cpuPerBeat.toFixed(1),
    relist_cpu_ms_per_beat: pair.relist.cpuPerBeat.toFixed(1),
    cpu_vs_relist: (pair.watch.cpuPerBeat / pair.relist.cpuPerBeat).toFixed(2),
    api_bytes_per_beat: pair.watch.bytesPerBeat.toFixed(0),
    relist_api_bytes_per_beat: pair.relist.bytesPerBeat.toFixed(0),
    api_bytes_vs_relist: (pair.watch.bytesPerBeat / pair.relist.bytesPerBeat).toFixed(4),
    metrics_bytes_per_read: pair.metricsBytes,
    rss_mib_1000_pods_unchanged: (pair.watch.rssPeak / MIB).toFixed(1),
    relist_rss_mib_1000_pods: (pair.relist.rssPeak / MIB).toFixed(1),
    churn_cpu_pct: pair.churn.cpuPct.toFixed(1),
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
