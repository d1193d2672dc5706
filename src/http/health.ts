import { Elysia } from 'elysia';
import { sql } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { Health } from './responses';

/** How long readiness waits for the database: under a probe's usual one-second timeout. */
const READY_TIMEOUT_MS = 800;

/** Liveness (process up) and readiness (database reachable, migrations applied). */
export function healthRoutes(deps: AppDeps) {
  return new Elysia({ name: 'health' })
    .get('/healthz', () => ({ ok: true }), { response: { 200: Health } })
    .get(
      '/readyz',
      async ({ set }) => {
        if (deps.isReady && !deps.isReady()) {
          set.status = 503;
          return { ok: false, reason: 'migrations not applied yet' };
        }
        try {
          // A probe that waits on a database that does not answer would itself time out; answer first.
          await Promise.race([deps.db.execute(sql`select 1`), Bun.sleep(READY_TIMEOUT_MS).then(() => Promise.reject(new Error('no answer')))]);
          return { ok: true };
        } catch {
          set.status = 503;
          return { ok: false, reason: 'database unreachable' };
        }
      },
      { response: { 200: Health, 503: Health } },
    );
}
