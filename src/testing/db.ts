// Test databases: one fresh Postgres database per test file, cloned from a migrated template.
import postgres from 'postgres';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS_FOLDER, openDatabase, type Database } from '../db/client';

/** The server tests run against; CI exports DATABASE_URL, a developer machine falls back to the local one. */
export const ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export type TestDatabase = { database: Database; url: string; name: string; drop(): Promise<void> };

function urlFor(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = '/' + name;
  return u.toString();
}

function migrationsHash(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS_FOLDER)
    .filter((f) => f.endsWith('.sql'))
    .sort())
    h.update(f).update(readFileSync(join(MIGRATIONS_FOLDER, f)));
  return h.digest('hex').slice(0, 10);
}

let templateReady: Promise<string> | null = null;

/** A template database with every migration applied, made once per migration set. */
function ensureTemplate(): Promise<string> {
  templateReady ??= (async () => {
    const name = `niro_tpl_${migrationsHash()}`;
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      await admin`select pg_advisory_lock(7301999)`;
      const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
      if (!exists) {
        await admin.unsafe(`create database ${name}`);
        const db = await openDatabase({ databaseUrl: urlFor(name), dataDir: '', maxConnections: 2 });
        try {
          await db.migrate();
        } catch (e) {
          await db.close();
          await admin.unsafe(`drop database if exists ${name}`);
          throw e;
        }
        await db.close();
      }
      await admin`select pg_advisory_unlock(7301999)`;
    } finally {
      await admin.end();
    }
    return name;
  })();
  return templateReady;
}

/** A fresh, migrated database for one test file. `drop()` closes it and removes it. */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `niro_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    if (opts.migrated === false) await admin.unsafe(`create database ${name}`);
    else await admin.unsafe(`create database ${name} template ${await ensureTemplate()}`);
  } finally {
    await admin.end();
  }
  const url = urlFor(name);
  const database = await openDatabase({ databaseUrl: url, dataDir: '', maxConnections: 5 });
  return {
    database,
    url,
    name,
    async drop() {
      await database.close().catch(() => {});
      const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** A migrated embedded database (PGlite) in a fresh temporary directory; `drop` closes and removes it. */
export async function createTestPglite(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'niro-pglite-'));
  const database = await openDatabase({ databaseUrl: null, dataDir: dir });
  await database.migrate();
  return {
    database,
    url: dir,
    name: 'pglite',
    async drop() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
