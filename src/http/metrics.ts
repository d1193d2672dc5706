// GET /metrics: this replica's Prometheus metrics (src/metrics.ts) in the text format. It is for Prometheus
// alone, which presents NIRO_METRICS_TOKEN as a bearer token (`authorization` in a scrape config); with no token
// set the endpoint is off, so a server never shows its numbers to whoever reaches its public URL. Each replica
// answers for itself: scrape the pods, not the Service. Errors are plain text, as a scraper reports them.
import { Elysia } from 'elysia';
import type { AppDeps } from '../deps';
import { constantTimeEqual } from '../security/secrets';

function plain(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } });
}

export function metricsRoutes(deps: Pick<AppDeps, 'config' | 'metrics'>) {
  const { config, metrics } = deps;
  return new Elysia({ name: 'metrics' }).get(
    '/metrics',
    async ({ request }) => {
      if (!config.metricsToken) return plain(404, 'metrics are off: set NIRO_METRICS_TOKEN, and scrape with it as the bearer token');
      const presented = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
      if (!presented || !constantTimeEqual(presented, config.metricsToken)) {
        return plain(401, 'metrics need the bearer token NIRO_METRICS_TOKEN', { 'www-authenticate': 'Bearer realm="niro metrics"' });
      }
      return new Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' } });
    },
    { detail: { hide: true } },
  );
}
