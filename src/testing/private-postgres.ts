// A Postgres server of a test's own (its own data directory and port on 127.0.0.1), for tests that stop and
// start the database under a running control plane: the shared server the other tests use is never touched.
// Built from the installed server binaries (the newest under /usr/lib/postgresql/<version>/bin, or those on PATH).
// Postgres refuses to run as root, so as root the server runs as the `postgres` system user (runuser).
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export type PrivatePostgres = {
  /** postgres://…@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  dataDir: string;
  /** Starts the server on the same directory and port (after `stop`); resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it the way an operator's restart or a failover does: `-m fast` (open connections are cut). */
  stop(): Promise<void>;
  /** Stops it if running and removes its directory. */
  destroy(): Promise<void>;
};

const INSTALL_ROOT = '/usr/lib/postgresql';

/** The directory holding initdb and pg_ctl, or null when no Postgres server is installed here. */
export function findPostgresBinaries(): string | null {
  if (existsSync(INSTALL_ROOT)) {
    const versions = readdirSync(INSTALL_ROOT)
      .filter((v) => existsSync(join(INSTALL_ROOT, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    if (versions[0]) return join(INSTALL_ROOT, versions[0], 'bin');
  }
  const onPath = Bun.which('pg_ctl');
  return onPath && Bun.which('initdb') ? join(onPath, '..') : null;
}

/** Why a test of a private Postgres cannot run here (its message says what to install), or null when it can. */
export function privatePostgresUnavailable(): string | null {
  if (!findPostgresBinaries()) return `no Postgres server binaries (initdb, pg_ctl) under ${INSTALL_ROOT} or on PATH: install the postgresql package`;
  if (process.getuid?.() === 0 && !Bun.which('runuser')) return 'running as root without runuser: Postgres refuses to run as root';
  return null;
}

/** A free TCP port on 127.0.0.1 (the kernel's pick, released at once for the server to take). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Runs a server binary as the user Postgres accepts; throws with its output when it fails. */
async function run(bin: string, args: string[], asPostgres: boolean): Promise<void> {
  const cmd = asPostgres ? ['runuser', '-u', 'postgres', '--', bin, ...args] : [bin, ...args];
  const proc = Bun.spawn(cmd, { stdout: 'pipe', stderr: 'pipe', stdin: 'ignore', env: { ...process.env, LC_ALL: 'C' } });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.join(' ')} exited with ${code}:\n${out}\n${err}`);
}

/**
 * initdb into a fresh temporary directory and start the server on a free port; `destroy` in afterAll. `settings`
 * (postgresql.conf names and values) are given on top of the test defaults: fsync off, 100 connections.
 */
export async function startPrivatePostgres(opts: { settings?: Readonly<Record<string, string>> } = {}): Promise<PrivatePostgres> {
  const unavailable = privatePostgresUnavailable();
  if (unavailable) throw new Error(unavailable);
  const bin = findPostgresBinaries()!;
  const asPostgres = process.getuid?.() === 0;
  const root = mkdtempSync(join(tmpdir(), 'niro-private-pg-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  if (asPostgres) {
    const uid = Number((await Bun.$`id -u postgres`.text()).trim());
    const gid = Number((await Bun.$`id -g postgres`.text()).trim());
    chownSync(root, uid, gid);
  }
  const user = asPostgres ? 'postgres' : userInfo().username;
  await run(join(bin, 'initdb'), ['-D', dataDir, '-U', user, '--auth=trust', '--encoding=UTF8', '--no-sync'], asPostgres);
  const port = await freePort();
  // The socket directory is the private one too, so nothing collides with the machine's server.
  const settings = { fsync: 'off', max_connections: '100', ...opts.settings };
  const options = [`-p ${port} -c listen_addresses=127.0.0.1 -k ${root}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
  let running = false;
  const pg: PrivatePostgres = {
    url: `postgres://${user}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    async start() {
      try {
        await run(join(bin, 'pg_ctl'), ['start', '-w', '-t', '30', '-D', dataDir, '-l', logFile, '-o', options], asPostgres);
      } catch (e) {
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
        throw new Error(`${(e as Error).message}\nserver log:\n${log}`);
      }
      running = true;
    },
    async stop() {
      await run(join(bin, 'pg_ctl'), ['stop', '-w', '-m', 'fast', '-D', dataDir], asPostgres);
      running = false;
    },
    async destroy() {
      if (running) await pg.stop().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
  await pg.start();
  return pg;
}
