// `--tuned-postgres`: the benchmark runs against a Postgres server of its own, started with the settings the README's
// production section gives for a box that runs Niro and Postgres together, instead of the machine's server as it is
// set up (here: autovacuum off, 128 MB of shared buffers, 1 GB of WAL between checkpoints). Durability is as in
// production: fsync on. The server is started before the benchmark (which runs again with DATABASE_URL pointing at it) and
// removed after it, whatever its outcome.
import { startPrivatePostgres } from '../../src/testing/private-postgres';
import { runAgain } from './run-again';

/** Production settings for a box of 2 cores and 24 GiB shared with the control plane (README, "Postgres settings"). */
export const TUNED_POSTGRES: Readonly<Record<string, string>> = {
  fsync: 'on',
  autovacuum: 'on',
  max_connections: '200',
  shared_buffers: '4GB',
  effective_cache_size: '12GB',
  work_mem: '16MB',
  maintenance_work_mem: '512MB',
  max_wal_size: '8GB',
  checkpoint_timeout: '15min',
  checkpoint_completion_target: '0.9',
  random_page_cost: '1.1',
};

/**
 * Beside them, for the benchmark's own eyes: pg_stat_statements, so a phase can say which statements took the server's
 * time (bench/lib/pg-statements.ts). It costs a little on every statement; production does not need it.
 */
const MEASURING: Readonly<Record<string, string>> = { shared_preload_libraries: 'pg_stat_statements' };

const FLAG = '--tuned-postgres';
const MARK = 'NIRO_BENCH_TUNED_POSTGRES';

/** Whether this run is the one against the tuned server. */
export function onTunedPostgres(): boolean {
  return process.env[MARK] === '1';
}

/** With `--tuned-postgres` (and not already on it): start the server, run the benchmark again against it, exit. */
export async function ensureTunedPostgres(): Promise<void> {
  if (!process.argv.includes(FLAG) || onTunedPostgres()) return;
  const pg = await startPrivatePostgres({ settings: { ...TUNED_POSTGRES, ...MEASURING } });
  let code = 1;
  try {
    code = await runAgain({ DATABASE_URL: pg.url, [MARK]: '1' });
  } finally {
    await pg.destroy();
  }
  process.exit(code);
}
