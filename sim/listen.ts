// The HTTPS listener. It is node:https rather than Bun.serve on purpose: Bun.serve holds a streamed response's
// headers back until the first body chunk, so a `follow` of a quiet container (or a watch with no changes) would
// never "start" for the client. The API server flushes headers at once; node:https's flushHeaders() does too.
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type RequestContext = {
  /** Lift the server's timeouts for this request (long follow and watch responses). */
  keepOpen(): void;
};

export type Handler = (request: Request, context: RequestContext) => Promise<Response>;

export type Listener = { port: number; stop(): Promise<void> };

// Request bodies are JSON or YAML text (CBOR is not offered by the simulator's discovery).
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/** Resolves on 'drain' or 'close', whichever comes first, and leaves no listener behind. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

async function writeResponse(response: Response, res: ServerResponse, aborted: AbortSignal, onBytes?: (count: number) => void): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.flushHeaders();
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  // The client went away: cancelling the body is what tells a follow/watch stream to clean up.
  const cancel = (): void => void reader.cancel().catch(() => undefined);
  aborted.addEventListener('abort', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      onBytes?.(value.byteLength);
      // Respect backpressure: a slow reader slows the stream instead of growing a queue here.
      if (!res.write(value) && !aborted.aborted) await drained(res);
      if (aborted.aborted) return;
    }
    res.end();
  } catch {
    if (!res.writableEnded) res.destroy();
  } finally {
    aborted.removeEventListener('abort', cancel);
  }
}

export async function listenHttps(options: {
  cert: string;
  key: string;
  port: number;
  handle: Handler;
  /** Counts response body bytes as they are written (benchmarks: bytes a client read from the API). */
  onBytes?: (count: number) => void;
}): Promise<Listener> {
  const server: Server = createServer({ cert: options.cert, key: options.key }, (req, res) => {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) abort.abort();
    });
    void (async () => {
      try {
        const body = await readBody(req);
        const request = new Request(`https://127.0.0.1${req.url ?? '/'}`, { method: req.method, headers: toHeaders(req), body, signal: abort.signal });
        const response = await options.handle(request, { keepOpen: () => req.socket.setTimeout(0) });
        await writeResponse(response, res, abort.signal, options.onBytes);
      } catch (error) {
        // A bug in the simulator: answer like an API server would rather than hang the client.
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: String(error), reason: 'InternalError', code: 500 }));
      }
    })();
  });
  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    async stop() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
