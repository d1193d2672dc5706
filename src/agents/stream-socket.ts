// WS /v1/agent/stream: the agent's persistent stream channel (frames of src/contract/stream.ts).
// Authenticated before the upgrade by the agent key alone: a request carrying cookies (a browser) or a
// foreign Origin is refused, so no web page can open it with a user's ambient credentials. Keepalive:
// Bun pings idle sockets (server-wide options below) and the agent's own ping frames get a pong.
import { Elysia } from 'elysia';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { AgentCluster, AppDeps } from '../deps';
import { AGENT_PATHS, AgentFrame, type ServerFrame } from '../contract';
import { HttpError } from '../http/errors';
import { requireAgent } from './auth';
import type { AgentSocket } from '../streams/local-stream';

const checkFrame = TypeCompiler.Compile(AgentFrame);

/**
 * WebSocket options are server-wide in Bun (src/app.ts passes these to the root app). A data frame holds
 * up to 2 Mi characters of JSON-escaped lines, so messages may reach ~12 MB; above the backpressure limit
 * Bun buffers no more for a socket and send() reports it (the server sends agents only small frames).
 */
export const AGENT_WEBSOCKET_OPTIONS = {
  idleTimeout: 120,
  sendPings: true,
  maxPayloadLength: 16 * 1024 * 1024,
  backpressureLimit: 4 * 1024 * 1024,
  closeOnBackpressureLimit: false,
} as const;

type SocketData = { agent?: AgentCluster };

export function agentStreamSocket(deps: AppDeps) {
  const { db, config, log, streamHub: hub } = deps;
  const ownOrigin = new URL(config.publicUrl).origin;
  return new Elysia({ name: 'streams-agent-socket' }).ws(AGENT_PATHS.stream, {
    detail: {
      tags: ['agent'],
      summary: 'The agent’s stream channel: a WebSocket of JSON frames (log sessions, multiplexed by streamId; called by the agent; X-Niro-Agent-Key)',
      responses: { 101: { description: 'Switching Protocols: the connection is now the WebSocket' } },
    },
    async beforeHandle(ctx) {
      const request = ctx.request;
      if (request.headers.get('cookie')) throw new HttpError(401, 'unauthorized', 'browser sessions are not accepted on the agent stream');
      const origin = request.headers.get('origin');
      if (origin && origin !== ownOrigin) throw new HttpError(403, 'forbidden_origin', 'cross-origin WebSocket requests are refused');
      // Kept on the context: Elysia copies it into the socket's data at the upgrade.
      (ctx as unknown as SocketData).agent = await requireAgent(db, deps.agentKeys, request);
    },
    open(ws) {
      const agent = (ws.data as unknown as SocketData).agent!;
      const socket: AgentSocket = {
        id: ws.id,
        clusterId: agent.id,
        // -1 means queued behind backpressure (still delivered); 0 means dropped (closing).
        send: (frame: ServerFrame) => ws.raw.send(JSON.stringify(frame)) !== 0,
        close: (code, reason) => ws.raw.close(code, reason),
      };
      log.info('agent stream connected', { clusterId: agent.id, replica: hub.replicaId });
      void hub.addAgent(socket).catch((e) => log.warn('agent stream registration failed', { clusterId: agent.id, error: String(e) }));
    },
    message(ws, message) {
      const agent = (ws.data as unknown as SocketData).agent!;
      if (!checkFrame.Check(message)) {
        const first = checkFrame.Errors(message).First();
        log.warn('agent stream: unexpected frame', { clusterId: agent.id, path: first?.path, error: first?.message });
        return;
      }
      switch (message.type) {
        case 'data':
          hub.onAgentData(ws.id, message);
          return;
        case 'ping':
          ws.raw.send(JSON.stringify(message.ts === undefined ? { type: 'pong' } : { type: 'pong', ts: message.ts }));
          return;
        case 'hello':
          log.info('agent stream hello', {
            clusterId: agent.id,
            agentVersion: message.agentVersion,
            protocol: message.protocol,
            logsEnabled: message.logsEnabled,
          });
          return;
        case 'pong':
          return;
      }
    },
    close(ws, code) {
      const agent = (ws.data as unknown as SocketData).agent;
      log.info('agent stream disconnected', { clusterId: agent?.id, code });
      hub.removeAgent(ws.id);
    },
  });
}
