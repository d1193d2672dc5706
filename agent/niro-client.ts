// Every call the agent makes to the control plane, in one place.
//   POST /v1/agent/enroll                 EnrollRequest → EnrollResponse (no key yet)
//   POST /v1/agent/heartbeat              gzipped HeartbeatV2 → HeartbeatResponse
//   GET  /v1/agent/commands               long-poll (server holds ≤ 30 s) → CommandsResponse
//   POST /v1/agent/commands/:id/result    CommandResult → 2xx
//   WS   /v1/agent/stream                 frames of src/contract/stream.ts
// All but enroll send the key in X-Niro-Agent-Key.
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import {
  AGENT_KEY_HEADER,
  AGENT_PATHS,
  COMMANDS_LONG_POLL_SECONDS,
  CommandsResponse,
  EnrollResponse,
  HeartbeatResponse,
  type CommandResult,
  type EnrollRequest,
  type HeartbeatV2,
} from '../src/contract/index.ts';

/**
 * Why a call failed, as the loops need to react:
 * unauthorized (401) — key or token rejected; rate-limited (429) — honour retryAfterSeconds;
 * too-large (413) — send less; rejected (400/403/404/409/422 …) — the server refuses this request;
 * unavailable (5xx, network, timeout, a response that doesn't match the contract) — retry later.
 */
export type NiroFailureKind = 'unauthorized' | 'rate-limited' | 'too-large' | 'rejected' | 'unavailable';

export interface NiroFailure {
  kind: NiroFailureKind;
  /** HTTP status; 0 when no response arrived. */
  status: number;
  message: string;
  retryAfterSeconds?: number;
}

export type NiroResult<T> = { ok: true; value: T } | { ok: false; failure: NiroFailure };

export interface NiroClient {
  enroll(body: EnrollRequest, signal: AbortSignal): Promise<NiroResult<EnrollResponse>>;
  heartbeat(key: string, body: HeartbeatV2, signal: AbortSignal): Promise<NiroResult<HeartbeatResponse>>;
  pollCommands(key: string, signal: AbortSignal): Promise<NiroResult<CommandsResponse>>;
  postResult(key: string, result: CommandResult, signal: AbortSignal): Promise<NiroResult<null>>;
  /** Opens the stream WebSocket (Bun's client sends our headers on the upgrade request). */
  openStream(key: string): WebSocket;
}

export interface NiroClientOptions {
  agentVersion: string;
  fetch?: typeof fetch;
}

// The tsconfig's DOM lib types WebSocket's second argument as protocols only; Bun's constructor also
// takes options with headers, which is how the key reaches the upgrade request.
const BunWebSocket = WebSocket as unknown as new (url: string, options: Bun.WebSocketOptions) => WebSocket;

const REQUEST_TIMEOUT_MS = 30_000;
/** The server answers a long-poll within 30 s; beyond this margin the connection is presumed dead. */
const POLL_TIMEOUT_MS = (COMMANDS_LONG_POLL_SECONDS + 15) * 1000;

function classify(status: number): NiroFailureKind {
  if (status === 401) return 'unauthorized';
  if (status === 429) return 'rate-limited';
  if (status === 413) return 'too-large';
  if (status >= 500) return 'unavailable';
  return 'rejected';
}

/** The server's `{error: {code, message}}`, or the start of whatever else it sent. */
async function readErrorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown; code?: unknown } };
    if (body?.error && typeof body.error.message === 'string') {
      return typeof body.error.code === 'string' ? `${body.error.code}: ${body.error.message}` : body.error.message;
    }
  } catch {
    // Not JSON: fall through.
  }
  return text.slice(0, 300) || response.statusText || `HTTP ${response.status}`;
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - Date.now()) / 1000)) : undefined;
}

export function createNiroClient(baseUrl: string, options: NiroClientOptions): NiroClient {
  const doFetch = options.fetch ?? fetch;
  const userAgent = `niro-agent/${options.agentVersion}`;

  async function call<T>(
    method: string,
    path: string,
    init: { key?: string; body?: BodyInit; headers?: Record<string, string>; signal: AbortSignal; timeoutMs: number },
    schema: TSchema | null,
  ): Promise<NiroResult<T>> {
    const headers: Record<string, string> = { 'User-Agent': userAgent, Accept: 'application/json', ...init.headers };
    if (init.key) headers[AGENT_KEY_HEADER] = init.key;
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: init.body,
        signal: AbortSignal.any([init.signal, AbortSignal.timeout(init.timeoutMs)]),
      });
    } catch (error) {
      const message = init.signal.aborted ? 'aborted' : (error as Error).message;
      return { ok: false, failure: { kind: 'unavailable', status: 0, message } };
    }
    if (!response.ok) {
      const failure: NiroFailure = { kind: classify(response.status), status: response.status, message: await readErrorMessage(response) };
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      if (retryAfter !== undefined) failure.retryAfterSeconds = retryAfter;
      return { ok: false, failure };
    }
    if (schema === null) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: true, value: null as T };
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      return { ok: false, failure: { kind: 'unavailable', status: response.status, message: `response is not JSON: ${(error as Error).message}` } };
    }
    if (!Value.Check(schema, body)) {
      const first = Value.Errors(schema, body).First();
      const where = first ? `${first.path || '/'}: ${first.message}` : 'invalid';
      return { ok: false, failure: { kind: 'unavailable', status: response.status, message: `response does not match the contract (${where})` } };
    }
    return { ok: true, value: body as T };
  }

  const json = (body: unknown): { body: string; headers: Record<string, string> } => ({
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });

  return {
    enroll: (body, signal) => call<EnrollResponse>('POST', AGENT_PATHS.enroll, { ...json(body), signal, timeoutMs: REQUEST_TIMEOUT_MS }, EnrollResponse),

    heartbeat: (key, body, signal) =>
      // Gzipped: a 1000-pod heartbeat is ~1.2 MB of JSON and ~100 KB gzipped. Level 5 measured within 1%
      // of the default level's size for three quarters of its CPU; level 1 was 70% larger.
      call<HeartbeatResponse>(
        'POST',
        AGENT_PATHS.heartbeat,
        {
          key,
          body: Bun.gzipSync(JSON.stringify(body), { level: 5 }),
          headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
          signal,
          timeoutMs: REQUEST_TIMEOUT_MS,
        },
        HeartbeatResponse,
      ),

    pollCommands: (key, signal) => call<CommandsResponse>('GET', AGENT_PATHS.commands, { key, signal, timeoutMs: POLL_TIMEOUT_MS }, CommandsResponse),

    postResult: (key, result, signal) =>
      call<null>(
        'POST',
        AGENT_PATHS.commandResult.replace(':id', encodeURIComponent(result.commandId)),
        { key, ...json(result), signal, timeoutMs: REQUEST_TIMEOUT_MS },
        null,
      ),

    openStream: (key) => {
      const url = `${baseUrl.replace(/^http/, 'ws')}${AGENT_PATHS.stream}`;
      return new BunWebSocket(url, { headers: { [AGENT_KEY_HEADER]: key, 'User-Agent': userAgent } });
    },
  };
}
