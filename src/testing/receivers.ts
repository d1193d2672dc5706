// Real receivers on loopback for outbound integrations: an HTTP server that records what it is sent and answers
// from a script, and an SMTP server whose messages are parsed by mailparser. Never mocks.
import type { Server } from 'bun';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export type Received = { method: string; path: string; headers: Headers; body: string; json: unknown };

export type HttpReceiver = {
  url: string;
  received: Received[];
  /** Answers the next requests with these statuses, in order; afterwards 200 (PagerDuty answers 202). */
  script(statuses: number[]): void;
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  stop(): Promise<void>;
};

/** Resolves once `pred` holds, polling every 20 ms; fails after `timeoutMs` with `what` in the message. */
export async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

export function startHttpReceiver(okStatus = 200): HttpReceiver {
  const received: Received[] = [];
  const queue: number[] = [];
  const server: Server<undefined> = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const body = await req.text();
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {}
      received.push({ method: req.method, path: new URL(req.url).pathname, headers: req.headers, body, json });
      const status = queue.shift() ?? okStatus;
      return new Response(status < 300 ? JSON.stringify({ status: 'success' }) : 'receiver says no', { status });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    received,
    script: (statuses) => void queue.push(...statuses),
    async waitFor(count, timeoutMs = 15_000) {
      await until(() => received.length >= count, `${count} requests (got ${received.length})`, timeoutMs);
      return received;
    },
    stop: async () => {
      await server.stop(true);
    },
  };
}

export type SmtpReceiver = { port: number; mails: ParsedMail[]; auths: { username: string; password: string }[]; stop(): Promise<void> };

/** A plain SMTP server on loopback (no TLS) that takes any login and parses every message it accepts. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: ParsedMail[] = [];
  const auths: { username: string; password: string }[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    onAuth(auth, _session, callback) {
      auths.push({ username: auth.username ?? '', password: auth.password ?? '' });
      callback(null, { user: auth.username });
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          callback();
        })
        .catch((e: Error) => callback(e));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, auths, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
