// Requests generated from the OpenAPI document, as an attacker or a careless client sends them: every
// operation, its path parameters, query and body built from their schemas and then spoiled (hostile text,
// numbers in other notations, wrong types, unknown fields, malformed or deeply nested JSON, no or bad
// credentials). Shared by the fuzz test (fast-check properties) and bench/fuzz.ts (a large sample).
// What a response must never be: a 5xx, a 400/422 that does not name the field it is about, or a
// refusal that wrote to the database.
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { AGENT_KEY_HEADER } from '../contract';
import { apiClient, makeOrg, makeUser, signIn, type TestApp } from './app';
import { createEnrolledCluster, makeHeartbeat, makePod, sendHeartbeat } from './heartbeats';

type Schema = {
  type?: string;
  anyOf?: Schema[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
};
type Spec = {
  paths: Record<
    string,
    Record<
      string,
      { tags?: string[]; parameters?: { in: string; name: string; schema?: Schema }[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }
    >
  >;
};

export type Operation = { method: string; template: string; tag: string; pathParams: string[]; query: { name: string; schema: Schema }[]; body: Schema | null };

/** Ids and names that exist, so generated requests reach handlers and not only 404s. */
export type Fixtures = {
  token: string;
  agentKey: string;
  orgIds: string[];
  clusterIds: string[];
  userIds: string[];
  commandIds: string[];
  /** Ids of tokens a request may revoke (never the one the fuzz runs with). */
  spareTokenIds: string[];
  namespaces: string[];
  podNames: string[];
};

export type FuzzRequest = {
  op: Operation;
  path: string;
  query: [string, string][];
  auth: 'token' | 'none' | 'bad' | 'agent';
  body?: string;
  contentType?: string;
  sentNames: string[];
};
/** `cut`: the request was still waiting (a long-poll, a ping) when the client gave up on it. */
export type FuzzOutcome = { status: number; code: string; message: string; ms: number; cut: boolean };

/** Every operation of the document (WebSocket upgrades aside: they answer no HTTP request here). */
export function operationsOf(spec: Spec): Operation[] {
  const ops: Operation[] = [];
  for (const [template, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (template === '/v1/agent/stream') continue;
      const params = op.parameters ?? [];
      ops.push({
        method: method.toUpperCase(),
        template,
        tag: (op.tags?.[0] ?? (template.startsWith('/v1/agent/') ? 'agent' : 'other')).toLowerCase().replace(/[^a-z0-9]+/g, '_'),
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
      });
    }
  }
  return ops;
}

/** Strings that broke servers before: NUL, lone surrogates, numbers in other notations, SQL, markup, path tricks. */
const HOSTILE = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\ud83d',
  '%00',
  '%ED%A0%80',
  '%FF',
  '%',
  '0x10',
  '1e3',
  ' 6e1 ',
  '-1',
  '+5',
  '010',
  '1.5',
  '99999999999999999999',
  'NaN',
  'null',
  'true',
  "'; drop table users; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '\u202e\u0301',
  '😀',
  'a'.repeat(5000),
];
const hostile = fc.constantFrom(...HOSTILE);
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const anyText = fc.oneof(
  { arbitrary: hostile, weight: 3 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ maxLength: 20, unit: fc.oneof(fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }), loneSurrogate) }), weight: 1 },
);
const randomUuid = fc.uuid();

/** Values that name something real for a field or parameter called `name`, when there are any. */
function knownValues(name: string, template: string, f: Fixtures, method: string): string[] {
  const n = name.toLowerCase();
  if (n === 'userid') return f.userIds;
  if (n === 'commandid') return f.commandIds;
  if (n === 'namespace') return f.namespaces;
  if (n === 'name' && template.includes('/pods/')) return f.podNames;
  if (n === 'orgid' || n === 'parentid') return f.orgIds;
  if (n === 'cluster' || n === 'clusterids') return f.clusterIds;
  if (n !== 'id') return [];
  // Deleting what the run stands on would leave it 404s: only what is spare.
  if (template.startsWith('/v1/tokens/')) return f.spareTokenIds;
  if (method === 'DELETE') return [];
  if (template.startsWith('/v1/orgs/')) return f.orgIds;
  if (template.startsWith('/v1/clusters/')) return f.clusterIds;
  if (template.startsWith('/v1/agent/commands/')) return f.commandIds;
  return [];
}

function textFor(name: string, template: string, f: Fixtures, method: string): fc.Arbitrary<string> {
  const known = knownValues(name, template, f, method);
  const base = fc.oneof({ arbitrary: anyText, weight: 2 }, { arbitrary: randomUuid, weight: 1 });
  return known.length ? fc.oneof({ arbitrary: fc.constantFrom(...known), weight: 3 }, { arbitrary: base, weight: 2 }) : base;
}

/** Integers as a client writes them in a URL: in range, out of range, or in another notation. */
function integerText(s: Schema): fc.Arbitrary<string> {
  const min = s.minimum ?? 0;
  const max = s.maximum ?? 1_000_000;
  return fc.oneof(
    { arbitrary: fc.integer({ min, max }).map(String), weight: 3 },
    { arbitrary: fc.constantFrom(String(min - 1), String(max + 1), '0x10', '1e3', ' 6e1 ', '010', '+5', '1.0', '', '5abc', '99999999999999999999'), weight: 2 },
    { arbitrary: anyText, weight: 1 },
  );
}

function branches(s: Schema): Schema[] {
  return s.anyOf ?? [s];
}

function queryValue(p: { name: string; schema: Schema }, op: Operation, f: Fixtures): fc.Arbitrary<string> {
  const options = branches(p.schema);
  if (options.some((o) => o.type === 'integer')) return integerText(options.find((o) => o.type === 'integer')!);
  const words = options.flatMap((o) => (o.enum ?? []).concat(o.const !== undefined ? [o.const] : [])).map(String);
  const text = textFor(p.name, op.template, f, op.method);
  return words.length ? fc.oneof({ arbitrary: fc.constantFrom(...words), weight: 3 }, { arbitrary: text, weight: 1 }) : text;
}

/** A JSON value for `s`, mostly valid, sometimes of the wrong type or with hostile text. */
function jsonFor(s: Schema, name: string, op: Operation, f: Fixtures, depth: number): fc.Arbitrary<unknown> {
  const wrong = fc.oneof(anyText, fc.integer(), fc.constant(null), fc.boolean(), fc.constant([]), fc.constant({}));
  return fc.oneof({ arbitrary: validJsonFor(s, name, op, f, depth), weight: 6 }, { arbitrary: wrong, weight: 1 });
}

function validJsonFor(s: Schema, name: string, op: Operation, f: Fixtures, depth: number): fc.Arbitrary<unknown> {
  if (s.anyOf) return fc.oneof(...s.anyOf.map((b) => validJsonFor(b, name, op, f, depth)));
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  switch (s.type) {
    case 'object': {
      if (depth > 4 || !s.properties) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(s.properties)) model[k] = jsonFor(v, k, op, f, depth + 1);
      const record = fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in model) });
      // Sometimes a field nobody declared, with a name that is itself hostile now and then.
      return fc.oneof(
        { arbitrary: record, weight: 5 },
        { arbitrary: fc.tuple(record, fc.constantFrom('extra', 'admin', 'x\u0000', '\ud800'), anyText).map(([r, k, v]) => ({ ...r, [k]: v })), weight: 1 },
      );
    }
    case 'array':
      return fc.array(jsonFor(s.items ?? {}, name, op, f, depth + 1), { maxLength: Math.min(s.maxItems ?? 3, 3) });
    case 'string':
      if (s.format === 'email') return fc.oneof(fc.emailAddress(), fc.constantFrom('fuzz@example.com', 'a\u0000@b.co'), anyText);
      return textFor(name, op.template, f, op.method);
    case 'integer':
    case 'number':
      return fc.oneof(
        { arbitrary: fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 1_000_000 }), weight: 3 },
        { arbitrary: integerText(s), weight: 1 },
        { arbitrary: fc.constantFrom(1e300, -0, 1.5, Number.MAX_SAFE_INTEGER + 2), weight: 1 },
      );
    case 'boolean':
      return fc.oneof({ arbitrary: fc.boolean(), weight: 4 }, { arbitrary: fc.constantFrom('true', 0, 1, null), weight: 1 });
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

/** Bodies no schema describes: malformed, the wrong shape, nested past any bound. */
const RAW_BODIES = [
  '',
  '{',
  '{"a":',
  '[]',
  'null',
  '"x"',
  '12',
  '{"a":1,"a":2}',
  '\u0000',
  '{"\u0000":1}',
  '['.repeat(5000) + ']'.repeat(5000),
  '{"a":'.repeat(300) + '1' + '}'.repeat(300),
];

function bodyFor(op: Operation, f: Fixtures): fc.Arbitrary<{ body?: string; contentType?: string }> {
  if (!['POST', 'PATCH', 'PUT'].includes(op.method)) return fc.constant({});
  const json = (op.body ? validJsonFor(op.body, 'body', op, f, 0) : fc.jsonValue({ maxDepth: 3 })).map((v) => ({
    body: JSON.stringify(v),
    contentType: 'application/json',
  }));
  return fc.oneof(
    { arbitrary: json, weight: 8 },
    { arbitrary: fc.constantFrom(...RAW_BODIES).map((body) => ({ body, contentType: 'application/json' })), weight: 2 },
    { arbitrary: fc.constantFrom('name=x%00&role=owner', 'a=1', '').map((body) => ({ body, contentType: 'application/x-www-form-urlencoded' })), weight: 1 },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom('text/plain', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json; charset=utf-8', 'APPLICATION/JSON'),
          fc.constantFrom('--x', '{"name":"x"}', 'abc', ''),
        )
        .map(([contentType, body]) => ({ body, contentType })),
      weight: 1,
    },
    { arbitrary: fc.constant({}), weight: 1 },
  );
}

function requestFor(op: Operation, f: Fixtures): fc.Arbitrary<FuzzRequest> {
  const pathValues = fc.tuple(...op.pathParams.map((p) => textFor(p, op.template, f, op.method)));
  const sentQuery = op.query.length ? fc.subarray(op.query) : fc.constant([]);
  const query = sentQuery.chain((ps) =>
    fc.tuple(
      fc.tuple(...ps.map((p) => queryValue(p, op, f).map((v) => [p.name, v] as [string, string]))),
      fc.option(fc.tuple(fc.constantFrom('unknown', 'limit', 'x\u0000'), anyText), { freq: 6 }),
    ),
  );
  const auth = op.template.startsWith('/v1/agent/')
    ? fc.constantFrom<FuzzRequest['auth']>('agent', 'agent', 'none', 'bad')
    : fc.oneof(
        { arbitrary: fc.constant<FuzzRequest['auth']>('token'), weight: 8 },
        { arbitrary: fc.constantFrom<FuzzRequest['auth']>('none', 'bad', 'agent'), weight: 1 },
      );
  return fc.tuple(pathValues, query, auth, bodyFor(op, f)).map(([values, [pairs, extra], who, body]) => {
    let path = op.template;
    op.pathParams.forEach((p, i) => {
      path = path.replace(`{${p}}`, encodeUrlPart(values[i]!));
    });
    const q: [string, string][] = [...pairs, ...(extra ? [extra] : [])];
    let sentNames = [...op.pathParams, ...q.map(([k]) => k)];
    // The media type decides, whatever parameters follow it (`application/json; charset=utf-8`).
    const mediaType = body.contentType?.split(';')[0]?.trim().toLowerCase();
    if (body.body && mediaType === 'application/json') {
      try {
        const parsed = JSON.parse(body.body) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) sentNames = sentNames.concat(Object.keys(parsed));
      } catch {
        // Malformed: the body as a whole is the field.
      }
    }
    if (body.body && mediaType === 'application/x-www-form-urlencoded') sentNames = sentNames.concat([...new URLSearchParams(body.body).keys()]);
    return { op, path, query: q, auth: who, ...body, sentNames };
  });
}

/** Percent sequences sent as they are, not encoded again: a NUL or a lone surrogate's bytes in the URL itself. */
const RAW_ENCODED = /^(%[0-9A-F]{2})+$|^%$/;

function encodeUrlPart(v: string): string {
  return RAW_ENCODED.test(v) ? v : encodeURIComponent(v.toWellFormed());
}

/** One request for one operation of `ops`, chosen uniformly. */
export function fuzzRequests(ops: Operation[], f: Fixtures): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...ops.map((op) => requestFor(op, f)));
}

/** Sends the request through the app; the body of a stream (SSE) is not waited for. */
export async function sendFuzz(t: TestApp, f: Fixtures, req: FuzzRequest): Promise<FuzzOutcome> {
  const headers: Record<string, string> = {};
  if (req.auth === 'token') headers.authorization = `Bearer ${f.token}`;
  if (req.auth === 'bad') headers.authorization = 'Bearer niro_pat_nope';
  if (req.auth === 'agent') headers[AGENT_KEY_HEADER] = f.agentKey;
  if (req.contentType) headers['content-type'] = req.contentType;
  const search = req.query.map(([k, v]) => `${encodeUrlPart(k)}=${encodeUrlPart(v)}`).join('&');
  const started = performance.now();
  // Waits the API allows (a ping's timeout, a command's waitSeconds, the agents' long-poll) end when the
  // client goes: half a second here, so a run spends its time on requests rather than on waiting.
  const signal = AbortSignal.timeout(500);
  const res = await t.request(req.path + (search ? `?${search}` : ''), { method: req.op.method, headers, body: req.body, signal });
  const type = res.headers.get('content-type') ?? '';
  const text = type.includes('event-stream') ? (await res.body?.cancel(), '') : await res.text();
  const ms = performance.now() - started;
  let code = '';
  let message = '';
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
    code = parsed.error?.code ?? '';
    message = parsed.error?.message ?? '';
  } catch {
    // Not JSON (a page, a stream): nothing to read.
  }
  return { status: res.status, code, message, ms, cut: signal.aborted };
}

/** The field a 400/422 message names (the text before its first ": "), or null when it names none. */
export function namedField(message: string): string | null {
  const i = message.indexOf(': ');
  return i > 0 ? message.slice(0, i) : null;
}

/** The parameters and top-level body fields the operation declares (a missing required one is named too). */
function declaredNames(op: Operation): string[] {
  const fields = op.body ? branches(op.body).flatMap((b) => Object.keys(b.properties ?? {})) : [];
  return [...op.pathParams, ...op.query.map((q) => q.name), ...fields];
}

/** 5xx the API documents as an outcome rather than a failure: the agent did not answer in time. */
const DOCUMENTED_5XX = new Set(['agent_timeout']);

export type Judgement = { serverError: boolean; unnamedFieldError: boolean; rejectedWrite: boolean };

/** What is wrong with an outcome, given how many rows the request wrote (a refusal is a 4xx: a 504 for a ping was accepted, then timed out). */
export function judge(req: FuzzRequest, out: FuzzOutcome, written: number): Judgement {
  const fieldError = out.status === 400 || out.status === 422;
  const field = fieldError ? namedField(out.message) : null;
  const root = field?.startsWith('"') ? field : field?.split('.')[0];
  const known = [...req.sentNames, ...declaredNames(req.op)];
  const named = !fieldError || (root !== undefined && (root === 'body' || known.includes(root) || req.sentNames.some((n) => JSON.stringify(n) === root)));
  return {
    serverError: out.status >= 500 && !DOCUMENTED_5XX.has(out.code),
    unnamedFieldError: !named,
    rejectedWrite: out.status >= 400 && out.status < 500 && written > 0,
  };
}

/** One line saying what was sent and what came back, for a failure report. */
export function describeRequest(req: FuzzRequest, out: FuzzOutcome): string {
  const query = req.query.length ? `?${req.query.map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v.slice(0, 60))}`).join('&')}` : '';
  return `${req.op.method} ${req.path}${query} [${req.auth}] ${req.body ? JSON.stringify(req.body.slice(0, 200)) : ''} → ${out.status} ${out.code} ${JSON.stringify(out.message)}`;
}

/**
 * An org tree with an owner, a token to run with and spare ones, an enrolled cluster with pods, a
 * command: the ids generated requests name, so they get past the 404s.
 */
export async function prepareFuzz(t: TestApp): Promise<{ fixtures: Fixtures; operations: Operation[] }> {
  const owner = await makeUser(t.db);
  const member = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Fuzz MSP', null, { userId: owner.id, role: 'owner' });
  const child = await makeOrg(t.db, 'Fuzz customer', org, { userId: member.id, role: 'member' });
  const api = await apiClient(t, await signIn(t, owner));
  const spare = await api.call('POST', '/v1/tokens', { name: 'spare' });
  const tokens = (await (await api.call('GET', '/v1/tokens')).json()) as { tokens: { id: string; name: string }[] };
  if (spare.status !== 201) throw new Error(`spare token: ${spare.status}`);
  const cluster = await createEnrolledCluster(t, api, { name: 'fuzz-edge', orgId: child.id });
  const pods = [makePod(1), makePod(2)];
  const beat = await sendHeartbeat(t, cluster.agentKey, makeHeartbeat({ pods }));
  if (beat.status !== 200) throw new Error(`heartbeat: ${beat.status}`);
  const ping = await api.call('POST', `/v1/clusters/${cluster.clusterId}/commands`, { type: 'ping' });
  const command = (await ping.json()) as { id: string };
  // Authenticating writes a token's last use once a minute; moved past the run so a refusal writes nothing.
  await t.db.execute(sql`update api_tokens set last_used_at = now() + interval '1 day'`);
  const spec = (await (await t.request('/v1/openapi.json')).json()) as Spec;
  return {
    operations: operationsOf(spec),
    fixtures: {
      token: api.token,
      agentKey: cluster.agentKey,
      orgIds: [org.id, child.id],
      clusterIds: [cluster.clusterId],
      userIds: [owner.id, member.id],
      commandIds: [command.id],
      spareTokenIds: tokens.tokens.filter((x) => x.name === 'spare').map((x) => x.id),
      namespaces: [...new Set(pods.map((p) => p.namespace))],
      podNames: pods.map((p) => p.name),
    },
  };
}
