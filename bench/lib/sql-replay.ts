// The bare SQL of a request: an app over a pool of its own whose statements are recorded with their start
// and end, then replayed straight through postgres.js — statements the request ran concurrently run
// concurrently in the replay, the others in order — with no drizzle, no HTTP and no rendering.
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { SESSION_SETTINGS, type Db } from '../../src/db/client';

type Statement = { sql: string; params: unknown[]; prepare: boolean; issued: number; done: number };
/** A recorded statement and the earlier ones it waited for (those that had finished before it started). */
export type Step = { statement: Statement; after: number[] };

export type StatementRecorder = {
  /** The pool the recorded app runs over, and the replays too. */
  client: postgres.Sql;
  db: Db;
  /**
   * The statements one call sends (after a warm-up call, so caches are as in the runs). Statements run inside a
   * transaction would escape the record, so they are counted against drizzle's log and refused.
   */
  record(fn: () => Promise<unknown>): Promise<Step[]>;
  /** The recorded statements again, each once those it waited for are done; each one's own time, in ms. */
  replay(steps: Step[]): Promise<number[]>;
  end(): Promise<void>;
};

export function createStatementRecorder(url: string, max = 10): StatementRecorder {
  // The control plane's own session settings: the bare SQL is timed as the app's connections run it.
  const client = postgres(url, { max, onnotice: () => {}, connection: { ...SESSION_SETTINGS } });
  let recording: Statement[] | null = null;
  let logged = 0;
  const unsafe = client.unsafe.bind(client);
  client.unsafe = ((query: string, params?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) => {
    const pending = unsafe(query, params, options);
    if (recording) {
      const s: Statement = { sql: query, params: params ?? [], prepare: options?.prepare ?? false, issued: performance.now(), done: Infinity };
      recording.push(s);
      // The driver's query runs on its first subscriber; this one only notes when it finished.
      pending.then(
        () => (s.done = performance.now()),
        () => (s.done = performance.now()),
      );
    }
    return pending;
  }) as typeof client.unsafe;
  const db = drizzle(client, { logger: { logQuery: () => void (recording && logged++) } }) as unknown as Db;
  return {
    client,
    db,
    async record(fn) {
      await fn();
      recording = [];
      logged = 0;
      await fn();
      const statements: Statement[] = recording;
      recording = null;
      if (statements.length !== logged)
        throw new Error(`recorded ${statements.length} of ${logged} statements: the request ran some outside the pool (a transaction?)`);
      return statements.map((s, j) => ({ statement: s, after: statements.slice(0, j).flatMap((p, i) => (p.done <= s.issued ? [i] : [])) }));
    },
    async replay(steps) {
      const runs: Promise<unknown>[] = [];
      const times: number[] = [];
      steps.forEach((step, j) => {
        const s = step.statement;
        runs[j] = Promise.all(step.after.map((i) => runs[i])).then(async () => {
          const t0 = performance.now();
          await unsafe(s.sql, s.params as postgres.ParameterOrJSON<never>[], { prepare: s.prepare });
          times[j] = performance.now() - t0;
        });
      });
      await Promise.all(runs);
      return times;
    },
    end: () => client.end({ timeout: 5 }).catch(() => {}),
  };
}
