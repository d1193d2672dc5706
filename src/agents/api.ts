// The agent's endpoints: enrollment and heartbeat. Bodies are read by hand (gzip, decompressed-size
// cap) and validated against the wire contract; errors are the API's `{"error":{code,message}}`.
import { Elysia } from 'elysia';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { AgentCluster, AppDeps } from '../deps';
import { AGENT_PATHS, EnrollRequest, EnrollResponse, HeartbeatRequest, HeartbeatResponse, LIMITS } from '../contract';
import { HttpError } from '../http/errors';
import { clientIp } from '../http/caller';
import { routeCopy } from '../http/responses';
import { admitBody, parseStorableJson, readBody } from '../http/body';
import { knownAgentKey, requireAgent } from './auth';
import { exchangeEnrollmentToken } from '../clusters/enrollment';
import { firstError, parseHeartbeat, type Snapshot } from './heartbeat-parse';
import { readBeatAnswer } from './beat-answer';
import { ingestHeartbeat } from './heartbeat';
import { createRateLimiter } from './rate-limit';

const checkEnroll = TypeCompiler.Compile(EnrollRequest);

/** OpenAPI request body from a contract schema (TypeBox emits JSON Schema, which OpenAPI takes as is). */
function jsonRequestDoc(schema: TSchema) {
  return { content: { 'application/json': { schema: schema as never } } };
}

/** An enroll body is a token and a few facts. */
const MAX_ENROLL_BYTES = 64 * 1024;

/**
 * Enrollments per client address: a burst of 30, then one every 2 s. A token is 32 random bytes, so
 * this is not what keeps it from being guessed; it bounds what an address can make the server do
 * (token lookups, audit rows). An operator enrolling a fleet from one address gets the rest through
 * within minutes: agents wait as Retry-After says.
 */
const ENROLL_RATE = { perMinute: 30, burst: 30 } as const;

/** A fresh error per refusal: an Error made once at import would be one mutable object (and one stack) shared by every request. */
function invalidToken(): HttpError {
  return new HttpError(401, 'invalid_token', 'enrollment token is invalid, expired or already used; create a new token for this cluster in Niro');
}

/** Data Postgres refused (e.g. a lone surrogate in a string): the agent's fault, not a server error. */
function isDataError(e: unknown): boolean {
  const code = (e as { code?: string; cause?: { code?: string } })?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  return typeof code === 'string' && code.startsWith('22');
}

function jsonBody(text: string): unknown {
  const parsed = parseStorableJson(text);
  if (!parsed.ok) throw new HttpError(400, 'invalid_request', parsed.message);
  return parsed.value;
}

export function agentApi(deps: AppDeps) {
  const { db, config, log, metrics } = deps;
  const limiter = createRateLimiter({ perMinute: config.heartbeatRatePerMinute, burst: config.heartbeatBurst });
  const enrollLimiter = createRateLimiter(ENROLL_RATE);

  /**
   * The agent, and what of the replica's inflate budget was reserved for its body (to hand to readBody or give back).
   * A key this replica has found before (its row may be older than the cache trusts) lets a gzip body's admission
   * share be reserved before the row is read again: in a burst of bombs whose keys are due for a lookup, those the
   * budget cannot admit are refused at once instead of each waiting on the lookup while Bun buffers what arrives of
   * it (measured: 40 bombs waiting 110–160 ms on one query, 80 MiB buffered). A refusal is all a key not checked
   * against its row can get.
   */
  async function checkedAgent(request: Request): Promise<{ agent: AgentCluster; reserved: number }> {
    const early = knownAgentKey(deps.agentKeys, request) ? admitBody(request, config.maxBodyBytes, deps.inflating) : 0;
    if (typeof early !== 'number') throw new HttpError(early.status, early.code, early.message, early.headers);
    try {
      const agent = await requireAgent(db, deps.agentKeys, request);
      // Before reading the body: a looping agent costs one key lookup per refused request.
      const rate = limiter.take(agent.id);
      if (!rate.ok)
        throw new HttpError(429, 'rate_limited', `too many heartbeats for this cluster; retry in ${rate.retryAfterSeconds} s`, {
          'retry-after': String(rate.retryAfterSeconds),
        });
      return { agent, reserved: early };
    } catch (e) {
      if (early > 0) deps.inflating.give(early, 0);
      throw e;
    }
  }

  /** The beat's body read (gunzipped within the budget) and parsed against the contract. */
  async function readSnapshot(request: Request, reserved: number): Promise<Snapshot> {
    const body = await readBody(request, config.maxBodyBytes, deps.inflating, reserved);
    if (!body.ok) throw new HttpError(body.status, body.code, body.message, body.headers);
    const parsed = parseHeartbeat(body.text, config.maxPodsPerHeartbeat);
    if (!parsed.ok) throw new HttpError(400, parsed.code, parsed.message);
    return parsed.snapshot;
  }

  /** 503 with a Retry-After drawn across the next interval, so the refused agents come back spread out. */
  function overloaded(): HttpError {
    const retryAfter = 1 + Math.floor(Math.random() * config.heartbeatIntervalSeconds);
    return new HttpError(503, 'overloaded', 'the control plane is taking as many heartbeats as it can; retry after the Retry-After header', {
      'retry-after': String(retryAfter),
    });
  }

  /**
   * A turn among the beats this replica stores at once; past the line, or after waiting in it too long, a 503 that
   * spreads the retries over the next interval (src/agents/admission.ts).
   */
  async function turn(): Promise<() => void> {
    const entered = deps.heartbeatAdmission.enter();
    if (!entered) throw overloaded();
    const release = await entered;
    if (!release) throw overloaded();
    return release;
  }

  async function takeHeartbeat(request: Request): Promise<HeartbeatResponse> {
    let mark = performance.now();
    const stage = (name: 'agent' | 'parse' | 'wait' | 'store' | 'answer') => {
      const now = performance.now();
      metrics.heartbeatStageSeconds.observe({ stage: name }, (now - mark) / 1000);
      mark = now;
    };
    const { agent, reserved } = await checkedAgent(request);
    stage('agent');
    // While a turn is free the body is read and parsed first: a slow upload must not hold a turn the database could
    // use. Once every turn is held the beat waits in line with its body unread, so a beat refused (the line full, or
    // its turn come too late) has cost a key check, not a read, a gunzip and a parse: on the night a whole fleet comes
    // back, that is most of them. Its budget reservation is given back while it waits.
    if (!deps.heartbeatAdmission.allHeld()) {
      const snap = await readSnapshot(request, reserved);
      stage('parse');
      const release = await turn();
      try {
        stage('wait');
        return await storeAndAnswer(agent, snap, stage);
      } finally {
        release();
      }
    }
    if (reserved > 0) deps.inflating.give(reserved, 0);
    const release = await turn();
    try {
      stage('wait');
      const snap = await readSnapshot(request, 0);
      stage('parse');
      return await storeAndAnswer(agent, snap, stage);
    } finally {
      release();
    }
  }

  async function storeAndAnswer(agent: AgentCluster, snap: Snapshot, stage: (name: 'store' | 'answer') => void): Promise<HeartbeatResponse> {
    if (snap.truncatedByServer)
      log.warn('heartbeat pods truncated to the server cap', { clusterId: agent.id, cap: config.maxPodsPerHeartbeat, total: snap.podsTotal });
    const res = await ingestHeartbeat(db, agent.id, snap, new Date(), deps.podsHashes).catch((e) => {
      if (isDataError(e)) throw new HttpError(400, 'invalid_heartbeat', 'body: a value cannot be stored (invalid text, e.g. a lone UTF-16 surrogate)');
      throw e;
    });
    if (!res.ok)
      throw new HttpError(
        401,
        'cluster_deleted',
        `cluster "${agent.name}" was deleted from Niro; uninstall the agent with: kubectl delete namespace niro-system`,
      );
    // Whether commands wait and whether a rollout told this cluster to update: read by the statement that stored a
    // usual beat, else once after the full path committed.
    stage('store');
    const { commandsPending, update } = res.answer ?? (await readBeatAnswer(db, agent.id, new Date()));
    stage('answer');
    return {
      nextIntervalSeconds: config.heartbeatIntervalSeconds,
      commandsPending,
      serverTime: new Date().toISOString(),
      maxPods: Math.min(config.maxPodsPerHeartbeat, LIMITS.podsPerHeartbeat),
      ...(res.resendTemplates ? { resendTemplates: true } : {}),
      ...(update && update.version !== snap.agentVersion ? { update } : {}),
      // Protocol 6: what a delta may build on, or a request for every pod.
      ...(snap.protocol >= 6 && res.inventoryGeneration ? { inventoryGeneration: res.inventoryGeneration } : {}),
      ...(res.fullInventory ? { fullInventory: true } : {}),
      // Protocol 7: what `workloadsBase` may name.
      ...(snap.protocol >= 7 && res.workloadsGeneration ? { workloadsGeneration: res.workloadsGeneration } : {}),
      // Protocol 8: the managed set is stored; the agent sends it again only when it changes.
      ...(res.managedStored ? { managedStored: true } : {}),
    };
  }

  return new Elysia({ name: 'agent-api' })
    .post(
      AGENT_PATHS.enroll,
      async ({ request, server }) => {
        if (request.headers.get('authorization')) throw new HttpError(401, 'unauthorized', 'user API tokens are not accepted on agent endpoints');
        const ip = clientIp(request, server, config.trustProxy);
        // Before the body is read. A request with no address (not from a socket) has nobody to count against.
        if (ip !== null) {
          const rate = enrollLimiter.take(ip);
          if (!rate.ok)
            throw new HttpError(429, 'rate_limited', `too many enrollment attempts from this address; retry in ${rate.retryAfterSeconds} s`, {
              'retry-after': String(rate.retryAfterSeconds),
            });
        }
        const body = await readBody(request, MAX_ENROLL_BYTES, deps.inflating);
        if (!body.ok) throw new HttpError(body.status, body.code, body.message, body.headers);
        const value = jsonBody(body.text);
        if (!checkEnroll.Check(value)) throw new HttpError(400, 'invalid_request', firstError(checkEnroll, value));
        const res = await exchangeEnrollmentToken(db, {
          token: value.token,
          agentVersion: value.agentVersion,
          protocol: value.protocol,
          facts: value.clusterFacts,
          ip,
        });
        if (!res.ok) {
          log.warn('enrollment refused', { reason: res.reason, ip });
          throw invalidToken();
        }
        log.info('cluster enrolled', { clusterId: res.clusterId, agentVersion: value.agentVersion });
        const out: EnrollResponse = { agentKey: res.agentKey, clusterId: res.clusterId, heartbeatIntervalSeconds: config.heartbeatIntervalSeconds };
        return out;
      },
      {
        parse: 'none',
        response: { 200: routeCopy(EnrollResponse) },
        detail: {
          tags: ['agent'],
          summary: 'Exchange a single-use enrollment token for the cluster’s agent key (called by the agent)',
          requestBody: jsonRequestDoc(EnrollRequest),
        },
      },
    )
    .post(
      AGENT_PATHS.heartbeat,
      async ({ request }) => {
        const started = performance.now();
        try {
          const out = await takeHeartbeat(request);
          metrics.heartbeats.inc({ result: 'accepted', reason: '' });
          metrics.heartbeatIngestSeconds.observe((performance.now() - started) / 1000);
          return out;
        } catch (e) {
          // The refusal's code is the reason (a handful of values); anything else is a server error.
          metrics.heartbeats.inc({ result: 'refused', reason: e instanceof HttpError ? e.code : 'server_error' });
          throw e;
        }
      },
      {
        parse: 'none',
        response: { 200: routeCopy(HeartbeatResponse) },
        detail: {
          tags: ['agent'],
          summary: 'Report the cluster’s state (called by the agent every ~15 s; gzip accepted; X-Niro-Agent-Key)',
          requestBody: jsonRequestDoc(HeartbeatRequest),
        },
      },
    );
}
