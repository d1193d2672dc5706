// The agent process as the agent benchmarks read it: /proc figures (RSS, CPU by thread) and a stub control plane that
// counts heartbeats and records the agent's CPU time at each one's arrival.
import { readFileSync, readdirSync } from 'node:fs';

export type Stub = {
  url: string;
  beats: { at: number; gzipped: Uint8Array; cpu: number }[];
  /** From now on each beat records this process's CPU time at its arrival. */
  watch(pid: number): void;
  stop(): void;
};

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel. */
const TICK_MS = 10;

export function procStatus(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** utime + stime of the process so far, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 overall.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** The threads' own CPU time in ms, summed by thread name (the runtime names its helper threads). */
export function threadCpuMs(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byName.set(name, (byName.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) * TICK_MS);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byName;
}

/** Per-beat CPU by thread group: the JavaScript thread, the HTTP client thread, and the rest (allocator, JIT, GC helpers). */
export function splitPerBeat(
  before: Map<string, number>,
  after: Map<string, number>,
  mainName: string,
  beats: number,
): { js: number; http: number; other: number } {
  const split = { js: 0, http: 0, other: 0 };
  for (const [name, ms] of after) {
    const delta = (ms - (before.get(name) ?? 0)) / beats;
    if (name === mainName) split.js += delta;
    else if (name === 'HTTP' || name === 'HTTP Client') split.http += delta;
    else split.other += delta;
  }
  return split;
}

/** The control plane as far as the agent needs it: enroll, heartbeat (counted, body kept), an idle long-poll. */
export function startStub(): Stub {
  const beats: { at: number; gzipped: Uint8Array; cpu: number }[] = [];
  // Once set, each beat records the agent's CPU time so far at its arrival (per-beat CPU = the difference).
  let watched: number | null = null;
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    idleTimeout: 60,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === '/v1/agent/enroll') return Response.json({ agentKey: 'niro_agent_bench', clusterId: 'bench', heartbeatIntervalSeconds: 1 });
      if (path === '/v1/agent/heartbeat') {
        const cpu = watched === null ? NaN : cpuMs(watched);
        beats.push({ at: performance.now(), gzipped: new Uint8Array(await request.arrayBuffer()), cpu });
        // Every beat acknowledged (protocols 6 and 7), as the control plane does: the agent then sends pod deltas and
        // names the workloads generation while its workloads stand still.
        return Response.json({
          nextIntervalSeconds: 1,
          commandsPending: false,
          serverTime: new Date().toISOString(),
          inventoryGeneration: `g${beats.length}`,
          workloadsGeneration: `w${beats.length}`,
        });
      }
      if (path === '/v1/agent/commands') {
        await Bun.sleep(25_000);
        return Response.json({ commands: [] });
      }
      return Response.json({ error: { code: 'not_found', message: 'not here' } }, { status: 404 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, beats, watch: (pid: number) => void (watched = pid), stop: () => server.stop(true) };
}

export async function waitBeats(stub: Stub, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (stub.beats.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${stub.beats.length} of ${count} heartbeats arrived`);
    await Bun.sleep(20);
  }
}
