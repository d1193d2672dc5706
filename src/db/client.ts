import postgres from 'postgres';
import { PGlite, type Extension } from '@electric-sql/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MIGRATIONS_DIR, PGLITE_FILES, serverFile } from '../files';
import { createPgliteBus, createPostgresBus, type Bus } from './bus';

/**
 * The query executor every store function takes first: the database, a transaction or a savepoint
 * (drizzle's transactions extend its database class, so either driver's are assignable as they are).
 */
export type Db = PgDatabase<PgQueryResultHKT, Record<string, never>>;

export type Database = {
  db: Db;
  bus: Bus;
  driver: 'postgres' | 'pglite';
  /** The most connections this process opens (the pool's size; the embedded database has one). */
  maxConnections: number;
  /** This process's open connections by state, as the database sees them (for /metrics). */
  connections(): Promise<{ state: string; count: number }[]>;
  /** Applies pending migrations; safe when several replicas start at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
};

export const MIGRATIONS_FOLDER = serverFile(MIGRATIONS_DIR);

/** Advisory lock ids (one namespace for the whole app, so no two uses collide). */
export const LOCKS = {
  migrate: 7_301_001,
  offlineJob: 7_301_002,
  pruneJob: 7_301_003,
  commandsJob: 7_301_004,
  podIndexJob: 7_301_005,
  housekeepingJob: 7_301_006,
  setup: 7_301_007,
  notificationRouter: 7_301_021,
  rolloutJob: 7_301_031,
  deploymentRolloutJob: 7_301_041,
} as const;

export type OpenOptions = { databaseUrl: string | null; dataDir: string; maxConnections?: number };

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.maxConnections ?? 10);
  return openPglite(opts.dataDir);
}

/**
 * How long a pool connection waits before dialling again after its last attempt failed, in seconds. postgres.js's
 * own delay grows to 10–20 s after a dozen failures (they are counted across the pool, so a restart under load gets
 * there within a second), and the queries that need a connection wait that long: requests hung through a
 * restart and for up to 20 s after it. Capped at one second instead; jittered so replicas do not dial in step.
 */
function reconnectDelaySeconds(failures: number): number {
  return Math.min(0.05 * 2 ** failures, 1) * (0.5 + Math.random() / 2);
}

/** A database host that does not answer at all (a failover in progress) fails a query after this, not 30 s. */
const CONNECT_TIMEOUT_SECONDS = 5;

/**
 * Session settings of every connection the control plane opens (postgres.js sends them at connect). No JIT compilation:
 * Postgres compiles a statement whose cost estimate passes jit_above_cost (on by default), and for Niro's short
 * statements the compiling is the work. The status job's silence refresh took 2.4 s a pass, 2.35 s of it compiling, at
 * 10,000 clusters; its execution is 30 ms.
 */
export const SESSION_SETTINGS = { jit: 'off' } as const;

function openPostgres(url: string, max: number): Database {
  // Named per process (a replica's pod name is its host name), so pg_stat_activity tells replicas apart.
  const applicationName = `niro ${hostname()} ${process.pid}`.slice(0, 63);
  const options = {
    onnotice: () => {},
    connection: { application_name: applicationName, ...SESSION_SETTINGS },
    backoff: reconnectDelaySeconds,
    connect_timeout: CONNECT_TIMEOUT_SECONDS,
  };
  const client = postgres(url, { ...options, max });
  const db = drizzlePostgres(client);
  // The bus's LISTEN connection: one, never closed on purpose (an idle or lifetime limit would drop its LISTENs).
  // `onnotify` is the hook postgres.js's own listen() receives notifications through; its types leave it out.
  const bus = createPostgresBus(client, (events) =>
    postgres(url, {
      ...options,
      max: 1,
      idle_timeout: 0,
      max_lifetime: 0,
      fetch_types: false,
      onnotify: events.onnotify,
      onclose: events.onclose,
    } as postgres.Options<{}>),
  );
  return {
    db,
    bus,
    driver: 'postgres',
    maxConnections: max,
    async connections() {
      // The connection running this query is one of them, and counts as active.
      return queryRows<{ state: string; count: number }>(
        db,
        sql`select coalesce(state, 'unknown') as state, count(*)::int as count from pg_stat_activity
            where application_name = ${applicationName} and datname = current_database()
            group by 1 order by 1`,
      );
    },
    async migrate() {
      // A reserved connection holds the session lock while the pool runs the migrations:
      // a second replica blocks here and then finds nothing left to apply.
      const lockConn = await client.reserve();
      try {
        await lockConn`select pg_advisory_lock(${LOCKS.migrate})`;
        await migratePostgres(drizzlePostgres(client), { migrationsFolder: MIGRATIONS_FOLDER });
      } finally {
        await lockConn`select pg_advisory_unlock(${LOCKS.migrate})`.catch(() => {});
        lockConn.release();
      }
    },
    async close() {
      await bus.close();
      await client.end({ timeout: 5 });
    },
  };
}

/**
 * The extension's bundle, copied next to the database: PGlite streams it from a file, and a stream cannot read the
 * compiled binary's embedded files (a plain read can).
 */
function trigramExtension(dataDir: string): Extension {
  const file = join(dataDir, 'pglite-extensions', 'pg_trgm.tar.gz');
  mkdirSync(join(dataDir, 'pglite-extensions'), { recursive: true });
  writeFileSync(file, readFileSync(serverFile(PGLITE_FILES.pgTrgm)));
  return { name: 'pg_trgm', setup: async () => ({ bundlePath: pathToFileURL(file) }) };
}

/**
 * One process at a time opens an embedded database: two (a second server, or `niro admin` beside a running one)
 * would corrupt it, and PGlite does not stop them. The owner's process id is kept in a file beside the database;
 * a file naming a process that is gone (a crash) is taken over. Returns the release.
 */
function claimDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'niro.pid');
  try {
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
      throw new Error(`the embedded database in ${dataDir} is in use by process ${holder}: stop it first (or, if no Niro runs there, delete ${file})`);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  writeFileSync(file, `${process.pid}\n`);
  return () => rmSync(file, { force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, as another user's.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function openPglite(dataDir: string): Promise<Database> {
  const dir = join(dataDir, 'pg');
  mkdirSync(dir, { recursive: true });
  // The engine's files are handed over by path from src/files.ts rather than found by PGlite next to its own module,
  // which in the compiled binary is not where they are embedded.
  const [pgliteWasmModule, initdbWasmModule] = await Promise.all([
    WebAssembly.compile(readFileSync(serverFile(PGLITE_FILES.engine))),
    WebAssembly.compile(readFileSync(serverFile(PGLITE_FILES.initdb))),
  ]);
  const release = claimDataDir(dataDir);
  // pg_trgm: the fleet pod search's trigram index (migration 0005).
  const pg = await PGlite.create(dir, {
    extensions: { pg_trgm: trigramExtension(dataDir) },
    pgliteWasmModule,
    initdbWasmModule,
    fsBundle: new Blob([readFileSync(serverFile(PGLITE_FILES.fsBundle))]),
  }).catch((e: unknown) => {
    release();
    throw e;
  });
  const db = drizzlePglite(pg);
  return {
    db,
    bus: createPgliteBus(pg),
    driver: 'pglite',
    maxConnections: 1,
    // The embedded database is one connection inside this process, always open.
    connections: async () => [{ state: 'active', count: 1 }],
    async migrate() {
      // One process owns an embedded database, so no lock is needed.
      await migratePglite(drizzlePglite(pg), { migrationsFolder: MIGRATIONS_FOLDER });
    },
    async close() {
      await pg.close();
      release();
    },
  };
}

/** Rows of a raw query, whichever driver answered (postgres.js returns an array, PGlite `{ rows }`). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const res = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(res) ? res : res.rows;
}

/**
 * Runs `fn` only if no other replica holds `lockId`; the lock lives as long as the transaction.
 * Returns false when another replica is running the job.
 */
export async function runExclusive(db: Db, lockId: number, fn: (tx: Db) => Promise<void>): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await queryRows<{ locked: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${lockId}) as locked`);
    if (!row?.locked) return false;
    await fn(tx);
    return true;
  });
}

/** A COPY whose confirmation has not come by then is abandoned (see copyFrom). */
const COPY_TIMEOUT_MS = 30_000;

/**
 * Bulk-loads rows with COPY (text format: tab-separated, `\N` for null, see encodeCopyField) on the
 * connection behind `db` — inside a transaction, the transaction's own. COPY parses far less than a
 * parameterized insert of the same rows, so it is how large batches enter the database. `table` and
 * `columns` are trusted identifiers from code.
 *
 * Load into an all-text staging table with no constraints, so no value can fail the COPY itself:
 * postgres.js 3.4 loses a COPY error that arrives after the stream has ended (the completion
 * callback just never comes). The timeout is the safety net for that and for a dead connection, so
 * a stuck COPY cannot hold its transaction's locks forever.
 */
export async function copyFrom(db: Db, table: string, columns: string[], text: string): Promise<void> {
  const client = (db as unknown as { session: { client: CopyClient } }).session.client;
  const statement = `copy ${table} (${columns.join(', ')}) from`;
  if (!('unsafe' in client)) {
    await client.query(`${statement} '/dev/blob'`, [], { blob: new Blob([text]) });
    return;
  }
  const writable = await client.unsafe(`${statement} stdin`).writable();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`COPY into ${table} not confirmed after ${COPY_TIMEOUT_MS} ms`)), COPY_TIMEOUT_MS);
    writable.on('error', (e: unknown) => {
      clearTimeout(timer);
      reject(e);
    });
    writable.end(text, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

type CopyClient =
  | { unsafe(query: string): { writable(): Promise<NodeJS.WritableStream & { on(e: string, f: (...a: unknown[]) => void): void }> } }
  | { query(query: string, params: unknown[], options: { blob: Blob }): Promise<unknown> };

/** One field of a COPY text row: backslash, tab, newline and carriage return escaped; null as \N. */
export function encodeCopyField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value !== 'string') return String(value);
  return /[\\\t\n\r]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : value;
}

/** A Postgres array literal of text or numbers, e.g. {"a","b\"c"} — for COPY fields and `$1::text::int[]` params. */
export function pgArrayLiteral(values: readonly (string | number | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i) out += ',';
    if (v === null) out += 'NULL';
    else if (typeof v === 'number') out += String(v);
    else out += '"' + v.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
  }
  return out + '}';
}

/**
 * Deletes rows of `table` matching `where`, at most `batch` per statement and `batches` statements,
 * so a large backlog is worked off over several passes instead of in one long transaction.
 * Returns how many rows went. `table` is a trusted identifier (never user input).
 */
export async function deleteBounded(db: Db, table: string, where: SQL, opts: { batch?: number; batches?: number } = {}): Promise<number> {
  const batch = opts.batch ?? 5000;
  let deleted = 0;
  for (let i = 0; i < (opts.batches ?? 10); i++) {
    const [row] = await queryRows<{ n: number }>(
      db,
      sql`with d as (delete from ${sql.identifier(table)} where ctid = any(array(select ctid from ${sql.identifier(table)} where ${where} limit ${batch})) returning 1)
        select count(*)::int as n from d`,
    );
    const n = Number(row?.n ?? 0);
    deleted += n;
    if (n < batch) break;
  }
  return deleted;
}

/** Whether `value` can be a uuid column's value: ids from URLs are checked before they reach a query. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
