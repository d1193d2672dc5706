// The real agent as a child process (`bun agent/main.ts`), its JSON log lines collected for tests and
// benchmarks to wait on. Bun reads NODE_EXTRA_CA_CERTS only at start, which is why it is a process.
import type { Subprocess } from 'bun';
import { join } from 'node:path';

export type LogLine = { time: string; level: string; msg: string; [field: string]: unknown };

export interface AgentProcess {
  pid: number;
  /** Parsed JSON lines of stdout, in order (non-JSON output is kept as { msg: <text>, level: 'raw' }). */
  logs: LogLine[];
  /** Resolves with the first line (already seen, or to come) matching `match`; rejects after `timeoutMs`. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number>;
  exited: Promise<number>;
}

export const AGENT_MAIN = join(import.meta.dir, '..', 'main.ts');

/**
 * In-cluster settings as a pod has them, for a simulator on `port` whose service-account files were written under
 * `root` (sim.writeInClusterFiles): the API address from the environment and the cluster CA handed to Bun at start.
 */
export function inClusterEnv(port: number, root: string): Record<string, string> {
  return {
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: String(port),
    NIRO_IN_CLUSTER_ROOT: root,
    NODE_EXTRA_CA_CERTS: join(root, 'var/run/secrets/kubernetes.io/serviceaccount/ca.crt'),
  };
}

/** Starts the agent with exactly `env` (plus PATH), never inheriting the caller's environment. */
export function startAgentProcess(env: Record<string, string>, options: { command?: string[] } = {}): AgentProcess {
  const proc: Subprocess<'ignore', 'pipe', 'pipe'> = Bun.spawn(options.command ?? [process.execPath, AGENT_MAIN], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NIRO_LOG_LEVEL: 'info', ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const logs: LogLine[] = [];
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let running = true;
  const exited = proc.exited.then((code) => {
    running = false;
    return code;
  });
  const pump = async (stream: ReadableStream<Uint8Array>): Promise<void> => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const text of parts) {
        if (!text) continue;
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          line = { time: new Date().toISOString(), level: 'raw', msg: text };
        }
        logs.push(line);
        for (const waiter of [...waiters]) {
          if (waiter.match(line)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      }
    }
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  return {
    pid: proc.pid,
    logs,
    exited,
    alive: () => running,
    waitForLog(match, timeoutMs, what) {
      const seen = logs.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (line: LogLine) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          const tail = logs
            .slice(-15)
            .map((l) => JSON.stringify(l))
            .join('\n');
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last agent lines:\n${tail}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    async stop(graceMs = 5000) {
      if (!running) return exited;
      process.kill(proc.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (running) process.kill(proc.pid, 'SIGKILL');
      }, graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Waits until `condition` holds (polled every 50 ms), or throws naming `what` after `timeoutMs`. */
export async function waitUntil<T>(condition: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(50);
  }
}
