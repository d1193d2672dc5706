// Sends one message through one channel, with a bounded time for every outbound call. The outcome is a value;
// nothing here throws for a receiver's failure, and no error text carries a secret (the Slack URL, a key).
import { createTransport } from 'nodemailer';
import { VERSION } from '../config';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhook } from './signature';
import { emailContent, pagerDutyEvents, slackBody, webhookBody, type OutgoingMessage } from './payloads';
import type { ChannelType, EmailSettings, PagerDutySettings, WebhookSettings } from './vocabulary';
import { DEFAULT_PAGERDUTY_URL } from './vocabulary';

/** A channel ready to send: its settings and its secrets opened. */
export type OpenChannel = { type: ChannelType; settings: Record<string, unknown>; secrets: Record<string, string> };

/**
 * ok: the receiver took it. Otherwise `permanent` when retrying cannot help (a 4xx other than 408/429, a
 * secret that no longer opens); `code` is the HTTP status or SMTP reply code when one came back.
 */
export type SendResult = { ok: true; code: number | null } | { ok: false; code: number | null; error: string; permanent: boolean };

const USER_AGENT = `Niro/${VERSION} (+notifications)`;
const ERROR_CHARS = 300;

/** The error as the delivery log shows it: short, one line, with every secret of the channel blanked. */
export function cleanError(text: string, secrets: Record<string, string>): string {
  let out = text.replace(/\s+/g, ' ').trim();
  for (const s of Object.values(secrets)) if (s.length >= 4) out = out.split(s).join('[secret]');
  return out.slice(0, ERROR_CHARS);
}

function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** POSTs JSON; never follows a redirect (a 3xx to an internal address is a way around the URL check). */
async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendResult> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = (await res.text().catch(() => '')).slice(0, 500);
    if (res.ok) return { ok: true, code: res.status };
    return { ok: false, code: res.status, error: `HTTP ${res.status}${text ? `: ${text}` : ''}`, permanent: !retryable(res.status) };
  } catch (e) {
    const err = e as Error;
    const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
    return { ok: false, code: null, error: timedOut ? `no answer within ${timeoutMs / 1000} s` : `${err.name}: ${err.message}`, permanent: false };
  }
}

async function sendWebhook(m: OutgoingMessage, c: OpenChannel, timeoutMs: number): Promise<SendResult> {
  const body = JSON.stringify(webhookBody(m));
  const signature = signWebhook(c.secrets.secret ?? '', body, Math.floor(m.sentAt.getTime() / 1000));
  return postJson((c.settings as WebhookSettings).url, body, { [SIGNATURE_HEADER]: signature, [DELIVERY_HEADER]: m.id }, timeoutMs);
}

async function sendSlack(m: OutgoingMessage, c: OpenChannel, timeoutMs: number): Promise<SendResult> {
  return postJson(c.secrets.url ?? '', JSON.stringify(slackBody(m)), {}, timeoutMs);
}

/** One event per incident, in order (an acknowledge must not overtake its trigger); the first failure stops. */
async function sendPagerDuty(m: OutgoingMessage, c: OpenChannel, timeoutMs: number): Promise<SendResult> {
  const url = (c.settings as PagerDutySettings).url || DEFAULT_PAGERDUTY_URL;
  let last: SendResult = { ok: true, code: null };
  for (const event of pagerDutyEvents(m, c.secrets.routingKey ?? '')) {
    last = await postJson(url, JSON.stringify(event), { [DELIVERY_HEADER]: m.id }, timeoutMs);
    if (!last.ok) return last;
  }
  return last;
}

async function sendEmail(m: OutgoingMessage, c: OpenChannel, timeoutMs: number): Promise<SendResult> {
  const s = c.settings as EmailSettings;
  const transport = createTransport({
    host: s.host,
    port: s.port,
    secure: s.tls === 'tls',
    requireTLS: s.tls === 'starttls',
    ignoreTLS: s.tls === 'none',
    auth: s.user ? { user: s.user, pass: c.secrets.password ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const { subject, text } = emailContent(m);
  try {
    const info = await transport.sendMail({ from: s.from, to: s.to, subject, text, headers: { [DELIVERY_HEADER]: m.id } });
    const code = Number(/^(\d{3})/.exec(String(info.response ?? ''))?.[1] ?? 250);
    return { ok: true, code };
  } catch (e) {
    const err = e as Error & { responseCode?: number };
    const code = typeof err.responseCode === 'number' ? err.responseCode : null;
    // SMTP 5xx is a permanent refusal (bad recipient, auth refused); 4xx and connection trouble are worth a retry.
    return { ok: false, code, error: err.message, permanent: code !== null && code >= 500 };
  } finally {
    transport.close();
  }
}

const SENDERS: Record<ChannelType, (m: OutgoingMessage, c: OpenChannel, timeoutMs: number) => Promise<SendResult>> = {
  webhook: sendWebhook,
  slack: sendSlack,
  pagerduty: sendPagerDuty,
  email: sendEmail,
};

export async function sendMessage(m: OutgoingMessage, channel: OpenChannel, timeoutMs: number): Promise<SendResult> {
  const res = await SENDERS[channel.type](m, channel, timeoutMs);
  return res.ok ? res : { ...res, error: cleanError(res.error, channel.secrets) };
}
