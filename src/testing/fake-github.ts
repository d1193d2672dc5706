// A local stand-in for the parts of GitHub's REST API Niro calls, on loopback: it checks the bearer token, answers as
// GitHub does (201 with the comment's id, 404 for an unknown comment) and records every request.
import type { Server } from 'bun';

export type GithubRequest = { method: string; path: string; authorization: string | null; json: Record<string, unknown> };

export type FakeGithub = {
  url: string;
  requests: GithubRequest[];
  /** Comment bodies by id, as last written. */
  comments: Map<number, { issue: number; body: string }>;
  stop(): Promise<void>;
};

export function startFakeGithub(token: string): FakeGithub {
  const requests: GithubRequest[] = [];
  const comments = new Map<number, { issue: number; body: string }>();
  let nextId = 1000;
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const server: Server<undefined> = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const text = await req.text();
      let body: Record<string, unknown> = {};
      try {
        body = text ? JSON.parse(text) : {};
      } catch {}
      const authorization = req.headers.get('authorization');
      requests.push({ method: req.method, path: url.pathname, authorization, json: body });
      if (authorization !== `Bearer ${token}`) return json(401, { message: 'Bad credentials' });
      if (req.method === 'GET' && url.pathname === '/user') return json(200, { login: 'niro-bot', id: 1 });
      let m = /^\/repos\/([^/]+\/[^/]+)\/statuses\/([0-9a-f]{40})$/.exec(url.pathname);
      if (req.method === 'POST' && m) return json(201, { id: requests.length, state: body.state, context: body.context });
      m = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
      if (req.method === 'POST' && m) {
        const id = nextId++;
        comments.set(id, { issue: Number(m[2]), body: String(body.body) });
        return json(201, { id, body: body.body });
      }
      m = /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (req.method === 'PATCH' && m) {
        const c = comments.get(Number(m[2]));
        if (!c) return json(404, { message: 'Not Found' });
        c.body = String(body.body);
        return json(200, { id: Number(m[2]), body: body.body });
      }
      return json(404, { message: 'Not Found' });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    comments,
    stop: async () => {
      await server.stop(true);
    },
  };
}
