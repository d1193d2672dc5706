// Child processes for multi-process tests: the control plane itself, or small scripts.
import type { Subprocess } from 'bun';

export type Child = {
  proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  lines: string[];
  waitFor(pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  kill(): Promise<void>;
};

/** Runs `bun <args>` with extra env; stdout lines are collected and can be awaited. */
export function spawnBun(args: string[], env: Record<string, string>): Child {
  return spawnCommand([process.execPath, ...args], { ...process.env, ...env });
}

/** Runs a command with exactly `env` (nothing inherited); its output lines are collected and can be awaited. */
export function spawnCommand(cmd: string[], env: Record<string, string | undefined>, cwd?: string): Child {
  const proc = Bun.spawn(cmd, { env, cwd, stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' });
  const lines: string[] = [];
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let buf = '';
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        for (const w of [...waiters]) if (w.pred(line)) waiters.splice(waiters.indexOf(w), 1), w.resolve(line);
      }
    }
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  return {
    proc,
    lines,
    waitFor(pred, timeoutMs = 30_000) {
      const seen = lines.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting; output:\n${lines.slice(-20).join('\n')}`)), timeoutMs);
        waiters.push({ pred, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
    async kill() {
      proc.kill('SIGTERM');
      await proc.exited;
    },
  };
}

/** Starts `src/main.ts` on a free port and resolves with its base URL once it listens. */
export async function spawnControlPlane(env: Record<string, string>): Promise<Child & { url: string }> {
  const child = spawnBun(['src/main.ts'], { PORT: '0', NIRO_SECRET: 'y'.repeat(40), NIRO_LOG_LEVEL: 'info', ...env });
  const line = await child.waitFor((l) => l.includes('"msg":"listening"'), 60_000);
  const url = (JSON.parse(line) as { url: string }).url;
  return Object.assign(child, { url });
}
