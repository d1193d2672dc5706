import { Elysia } from 'elysia';
import { sql } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { Health } from './responses';

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
          await deps.db.execute(sql`select 1`);
          return { ok: true };
        } catch {
          set.status = 503;
          return { ok: false, reason: 'database unreachable' };
        }
      },
      { response: { 200: Health, 503: Health } },
    );
}
