// The access log: one line per request once its response has gone, with the path (never the query:
// it may carry search terms users consider private), the status and the time taken.
import { Elysia, type AnyElysia } from 'elysia';
import type { Logger } from '../log';

export function accessLog(log: Logger): AnyElysia {
  const started = new WeakMap<Request, number>();
  return new Elysia({ name: 'access-log' })
    .onRequest(({ request }) => {
      started.set(request, performance.now());
    })
    .onAfterResponse({ as: 'global' }, ({ request, set, responseValue }) => {
      const t0 = started.get(request);
      const url = new URL(request.url);
      if (url.pathname.startsWith('/assets/')) return;
      // Agents beat every 15 s, probes poll and Prometheus scrapes: their successful requests would drown
      // everything else, so they are logged at debug; refusals and everyone else's requests at info.
      // The status the client received, decided as Elysia decides it: the one set (the error boundary sets
      // the one it answered with), unless that is the default 200 and the handler returned a Response.
      const setStatus = typeof set.status === 'number' ? set.status : 200;
      const status = setStatus === 200 && responseValue instanceof Response ? responseValue.status : setStatus;
      const routine =
        status < 400 && (url.pathname.startsWith('/v1/agent/') || url.pathname === '/healthz' || url.pathname === '/readyz' || url.pathname === '/metrics');
      (routine ? log.debug : log.info)('request', {
        method: request.method,
        path: url.pathname,
        status,
        ms: t0 ? Math.round(performance.now() - t0) : undefined,
      });
    });
}
