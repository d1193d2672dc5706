// What every log profile shares: the generator a profile returns, timestamps in each program's own style, and the
// vocabulary of web traffic (paths, methods, user agents, statuses, pod IPs, the occasional huge JSON payload).
import { randomHex, type Random } from './random.ts';

export type LineGenerator = {
  /** Lines printed when the container starts. */
  startup(time: number): string[];
  /** One log record: usually one line, sometimes several (a stack trace). */
  next(time: number): string[];
  /** Last words of a container that dies: exit with error or killed for memory. */
  crash(time: number, kind: 'error' | 'oom'): string[];
  /** Output of a run-to-completion container (init container, Job). */
  complete(time: number): string[];
  /** Relative chattiness: multiplies the configured lines per second. */
  rate: number;
};

/** `name`: the container's name, which services log as their own. */
export type Profile = (random: Random, name: string) => LineGenerator;

const PATHS = [
  '/',
  '/api/v1/products',
  '/api/v1/products/{id}',
  '/api/v1/cart',
  '/api/v1/orders',
  '/api/v1/orders/{id}',
  '/healthz',
  '/readyz',
  '/metrics',
  '/static/app.js',
  '/static/app.css',
  '/login',
  '/api/v1/search?q=shoes',
];
export const METHODS = ['GET', 'GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
export const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'kube-probe/1.31+',
  'curl/8.5.0',
  'Go-http-client/1.1',
  'Prometheus/2.54.1',
];
export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export function isoMs(time: number): string {
  return new Date(time).toISOString();
}

export function clfTime(time: number): string {
  const d = new Date(time);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export function klogTime(time: number): string {
  const d = new Date(time);
  return `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}${pad(Math.floor((time % 1) * 1000), 3)}`;
}

export function spaced(time: number): string {
  return isoMs(time).replace('T', ' ').replace('Z', '');
}

export function path(random: Random): string {
  return random.pick(PATHS).replace('{id}', String(random.int(1000, 99999)));
}

export function status(random: Random): number {
  const r = random.next();
  if (r < 0.86) return 200;
  if (r < 0.9) return 201;
  if (r < 0.93) return 304;
  if (r < 0.96) return 404;
  if (r < 0.985) return 499;
  return random.pick([500, 502, 503]);
}

export function ip(random: Random): string {
  return `10.42.${random.int(0, 3)}.${random.int(2, 250)}`;
}

// A long JSON payload: some services dump whole request bodies, and viewers must cope with 10 KB lines.
export function longPayload(random: Random): string {
  const items = Array.from({ length: random.int(60, 200) }, (_, i) => ({
    sku: `SKU-${random.int(10000, 99999)}`,
    qty: random.int(1, 9),
    line: i,
    note: randomHex(random, 24),
  }));
  return JSON.stringify({ cart: randomHex(random, 16), items });
}
