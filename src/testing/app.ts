// A whole control plane for tests: real Postgres database, the real app, helpers to sign in.
import type { AnyElysia } from 'elysia';
import { createApp as createAppFromDeps } from '../app';
import { createReplicaState } from '../server';
import type { AppDeps, ReplicaState } from '../deps';
import { loadConfig, type Config } from '../config';
import { createLogger } from '../log';
import { createUser } from '../accounts/store';
import { createPasswordHashing } from '../accounts/hashing';
import { createOrg, setMembership } from '../orgs/store';
import { createCluster } from '../clusters/store';
import type { Cluster } from '../clusters/schema';
import type { Org, Role } from '../orgs/schema';
import type { Db } from '../db/client';
import type { Bus } from '../db/bus';
import type { StreamHub } from '../streams/hub';
import type { CommandSignals } from '../commands/signals';
import { createTestDatabase, type TestDatabase } from './db';

export const TEST_ORIGIN = 'http://niro.test';

export type TestApp = {
  app: AnyElysia;
  db: Db;
  bus: Bus;
  config: Config;
  /** The app's replica state (its agent-key cache, heartbeat hints, stream hub, command signals, password-hashing gate). */
  replica: ReplicaState;
  testDb: TestDatabase;
  logs: string[];
  /** Sends a request through the app (no network). */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
};

/** What the request helpers below need of a control plane: a way to send it a request (in process or over HTTP). */
export type Requester = Pick<TestApp, 'request'>;

/**
 * A control plane listening at `baseUrl` (another process) as the helpers take it: requests go over HTTP,
 * redirects come back as they are (a browser's sign-in reads the 303 and its cookie).
 */
export function httpRequester(baseUrl: string): Requester {
  return { request: (path, init) => fetch(baseUrl + path, { ...init, redirect: 'manual' }) };
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  const loaded = loadConfig({ NIRO_SECRET: 'x'.repeat(40), NIRO_PUBLIC_URL: TEST_ORIGIN, DATABASE_URL: 'postgres://unused/x' });
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  // No longest wait for a heartbeat's turn: on a loaded test machine how long a beat waits says nothing about the
  // database, and a test must not pass or fail by it. The tests of the longest wait set it (src/agents/admission.test.ts).
  return { ...loaded.config, heartbeatMaxWaitMs: 0, ...overrides };
}

/** The replica state of each app a test built, by its bus: how a test reaches its replica's hub or signals. */
const replicas = new WeakMap<Bus, ReplicaState>();

/** An app and its replica state, built the way server.ts builds them (one replica). */
function buildReplica(deps: Omit<AppDeps, keyof ReplicaState>): { app: AnyElysia; replica: ReplicaState } {
  const replica = createReplicaState(deps);
  replicas.set(deps.bus, replica);
  return { app: createAppFromDeps({ ...deps, ...replica }), replica };
}

/** An app built the way server.ts builds one: with replica state of its own (one replica per bus). */
export function createApp(deps: Omit<AppDeps, keyof ReplicaState>): AnyElysia {
  return buildReplica(deps).app;
}

/** The stream hub of the app a test built on `bus`, if any. */
export function existingStreamHub(bus: Bus): StreamHub | undefined {
  return replicas.get(bus)?.streamHub;
}

/** The command signals of the app a test built on `bus`. */
export function commandSignals(bus: Bus): CommandSignals {
  const replica = replicas.get(bus);
  if (!replica) throw new Error('no app was built on this bus');
  return replica.commandSignals;
}

export async function startTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const testDb = await createTestDatabase();
  const logs: string[] = [];
  const config = testConfig({ trustProxy: true, ...overrides, databaseUrl: testDb.url });
  const log = createLogger('debug', (l) => logs.push(l));
  const { db, bus } = testDb.database;
  const { app, replica } = buildReplica({ db, bus, config, log });
  return {
    app,
    db,
    bus,
    config,
    replica,
    testDb,
    logs,
    request: (path, init) => app.handle(new Request(TEST_ORIGIN + path, init)),
    close: () => testDb.drop(),
  };
}

export type TestUser = { id: string; email: string; password: string };

let seq = 0;
/** The helpers' own hashing gate: users made for a test are not sign-ins, so they do not take the app's slots. */
const helperHashing = createPasswordHashing();
export async function makeUser(db: Db, email = `user${++seq}-${Math.random().toString(36).slice(2, 7)}@example.com`): Promise<TestUser> {
  const password = 'correct horse battery';
  const u = await createUser(db, helperHashing, { email, password });
  return { id: u.id, email: u.email, password };
}

export async function makeOrg(db: Db, name: string, parent: Org | null = null, member?: { userId: string; role: Role }): Promise<Org> {
  const res = await createOrg(db, { name, parent });
  if (!res.ok) throw new Error('too deep');
  if (member) await setMembership(db, res.org.id, member.userId, member.role);
  return res.org;
}

/** A cluster of `orgId` as the API creates it (not enrolled: no agent has beaten yet). */
export async function makeCluster(db: Db, orgId: string, name: string): Promise<Cluster> {
  const created = await createCluster(db, { orgId, name, environment: 'dev', createdBy: null });
  if (!created.ok) throw new Error(`cluster ${name}: ${created.reason}`);
  return created.cluster;
}

/** A signed-in browser: its cookie jar and CSRF token, and a fetch-like helper through the app. */
export type Browser = {
  cookie: string;
  csrf: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  send(path: string, init: RequestInit): Promise<Response>;
  /**
   * Follows a redirect as a browser does: a GET of its Location carrying the cookies the response set (a flash,
   * a sealed secret to reveal) beside the session; the answer's own cookies are kept for the next follow.
   */
  follow(res: Response): Promise<Response>;
};

/** The name=value pairs a response sets; a cookie cleared (Max-Age=0, or empty) maps to null. */
export function setCookies(res: Response): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    out.set(name, value === '' || /;\s*max-age=0/i.test(line) ? null : value);
  }
  return out;
}

/** Signs in through the real login form and returns a cookie-carrying client. */
export async function signIn(t: Requester, user: TestUser): Promise<Browser> {
  const res = await t.request('/login', {
    method: 'POST',
    body: new URLSearchParams({ email: user.email, password: user.password, next: '/' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('niro_session='));
  if (!setCookie) throw new Error('no session cookie');
  const cookie = setCookie.split(';')[0];
  const page = await (await t.request('/settings/profile', { headers: { cookie } })).text();
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error('no csrf token on page');
  const send = (path: string, init: RequestInit) => t.request(path, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });
  const jar = new Map<string, string>();
  return {
    cookie,
    csrf,
    send,
    async follow(res) {
      const location = res.headers.get('location');
      if (!location || res.status < 300 || res.status >= 400) throw new Error(`not a redirect: ${res.status}`);
      for (const [name, value] of setCookies(res)) value === null ? jar.delete(name) : jar.set(name, value);
      const header = [cookie, ...[...jar].map(([n, v]) => `${n}=${v}`)].join('; ');
      const next = await t.request(location, { headers: { cookie: header } });
      for (const [name, value] of setCookies(next)) value === null ? jar.delete(name) : jar.set(name, value);
      return next;
    },
    get: (path, headers = {}) => send(path, { headers }),
    post: (path, form, headers = {}) =>
      send(path, {
        method: 'POST',
        body: new URLSearchParams({ _csrf: csrf, ...form }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      }),
  };
}

/** Creates an API token through the API and returns a bearer-authenticated JSON client. */
export async function apiClient(
  t: Requester,
  browser: Browser,
): Promise<{ token: string; call(method: string, path: string, body?: unknown): Promise<Response> }> {
  const res = await browser.send('/v1/tokens', {
    method: 'POST',
    body: JSON.stringify({ name: 'test' }),
    headers: { 'content-type': 'application/json', 'x-csrf-token': browser.csrf },
  });
  if (res.status !== 201) throw new Error(`token create failed: ${res.status} ${await res.text()}`);
  const { token } = (await res.json()) as { token: string };
  return {
    token,
    call: (method, path, body) =>
      t.request(path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
  };
}
