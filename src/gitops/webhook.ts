// Git webhooks as Niro reads them: who signed the body, and what happened (a push, a pull request, a ping).
//
// Signatures (checked over the raw body, in constant time, before anything is parsed):
// - GitHub, Gitea, Forgejo: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`;
// - Gitea/Gogs without it: `X-Gitea-Signature` / `X-Gogs-Signature: <hex HMAC-SHA256>`;
// - GitLab: `X-Gitlab-Token: <the secret itself>`.
// Payloads: GitHub's `push` and `pull_request` events (`X-GitHub-Event`), and a generic shape any other server (or a
// CI job with curl) can send: `{ "ref": "refs/heads/main", "after": "<commit>" }` (GitLab's and Gitea's pushes have
// it), or an empty object meaning "sync now".
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The largest webhook body read (GitHub caps payloads at 25 MB, but a push of a few commits is ~10 KB). */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export type SignatureCheck = { ok: true; scheme: 'hub-signature-256' | 'gitea-signature' | 'gitlab-token' } | { ok: false; reason: string };

function hmacEqual(secret: string, body: string, presentedHex: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(presentedHex)) return false;
  const expected = createHmac('sha256', secret).update(body, 'utf8').digest();
  return timingSafeEqual(expected, Buffer.from(presentedHex, 'hex'));
}

/** Equal strings, compared in time that depends on neither (both are hashed first). */
function sameSecret(presented: string, secret: string): boolean {
  return timingSafeEqual(createHash('sha256').update(presented).digest(), createHash('sha256').update(secret).digest());
}

/** Whether `body` was sent by someone holding `secret` (see the top of this file). */
export function checkWebhookSignature(secret: string, headers: Headers, body: string): SignatureCheck {
  const hub = headers.get('x-hub-signature-256');
  if (hub !== null) {
    const m = /^sha256=(.*)$/.exec(hub.trim());
    return m && hmacEqual(secret, body, m[1])
      ? { ok: true, scheme: 'hub-signature-256' }
      : { ok: false, reason: 'X-Hub-Signature-256 does not match the body' };
  }
  const gitea = headers.get('x-gitea-signature') ?? headers.get('x-gogs-signature');
  if (gitea !== null)
    return hmacEqual(secret, body, gitea.trim()) ? { ok: true, scheme: 'gitea-signature' } : { ok: false, reason: 'X-Gitea-Signature does not match the body' };
  const gitlab = headers.get('x-gitlab-token');
  if (gitlab !== null) return sameSecret(gitlab, secret) ? { ok: true, scheme: 'gitlab-token' } : { ok: false, reason: 'X-Gitlab-Token is not the secret' };
  return { ok: false, reason: 'no signature: send X-Hub-Signature-256 (HMAC-SHA256 of the body with the webhook secret)' };
}

/**
 * The delivery's id, the same on every redelivery of it: the server's own header, else a hash of the body (a
 * generic sender that names none still cannot make one body sync twice).
 */
export function deliveryIdOf(headers: Headers, body: string): string {
  for (const h of ['x-github-delivery', 'x-gitea-delivery', 'x-gogs-delivery', 'x-gitlab-event-uuid', 'x-request-id']) {
    const v = headers.get(h)?.trim();
    if (v && v.length <= 200) return v;
  }
  return `sha256:${createHash('sha256').update(body, 'utf8').digest('hex')}`;
}

export type PullRequestEvent = {
  kind: 'pull_request';
  action: string;
  number: number;
  headSha: string;
  headRef: string;
  baseRef: string;
  baseSha: string;
  title: string;
  url: string;
  /** `owner/name` of the repository the pull request is against (where statuses and comments go). */
  repository: string;
  state: 'open' | 'closed';
};

export type WebhookEvent =
  /** A push: `ref` is the full ref name (`refs/heads/main`), `after` the new commit (null when the ref was deleted). */
  { kind: 'push'; ref: string | null; after: string | null } | PullRequestEvent | { kind: 'ping' } | { kind: 'ignored'; reason: string };

const SHA = /^[0-9a-f]{40}$/;

const o = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const s = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The event a (signature-checked) payload describes; `eventName` is X-GitHub-Event / X-Gitea-Event / X-Gitlab-Event. */
export function parseWebhookEvent(eventName: string | null, payload: unknown): WebhookEvent {
  const p = o(payload);
  const event = (eventName ?? '').toLowerCase();
  if (event === 'ping') return { kind: 'ping' };
  if (event === 'pull_request' || event === 'pull_request_sync') {
    const pr = o(p.pull_request);
    const head = o(pr.head);
    const base = o(pr.base);
    const number = typeof p.number === 'number' ? p.number : pr.number;
    const headSha = s(head.sha);
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || !headSha || !SHA.test(headSha))
      return { kind: 'ignored', reason: 'pull_request payload without a number and a head commit' };
    const repo = o(p.repository);
    return {
      kind: 'pull_request',
      action: (s(p.action) ?? '').slice(0, 40),
      number,
      headSha,
      headRef: (s(head.ref) ?? '').slice(0, 255),
      baseRef: (s(base.ref) ?? '').slice(0, 255),
      baseSha: SHA.test(s(base.sha) ?? '') ? (s(base.sha) as string) : '',
      title: (s(pr.title) ?? '').slice(0, 300),
      url: (s(pr.html_url) ?? '').slice(0, 2048),
      repository: (s(repo.full_name) ?? '').slice(0, 300),
      state: s(pr.state) === 'closed' ? 'closed' : 'open',
    };
  }
  if (event === 'push' || event === 'push hook' || event === 'tag push hook' || event === '' || !eventName) {
    // GitHub and Gitea: `after`; GitLab: `after` and `checkout_sha` (null when a branch is deleted).
    const ref = s(p.ref);
    const after = s(p.after) ?? s(p.checkout_sha);
    const deleted = p.deleted === true || (after !== null && /^0{40}$/.test(after));
    return { kind: 'push', ref: ref && ref.length <= 255 ? ref : null, after: !deleted && after && SHA.test(after) ? after : null };
  }
  return { kind: 'ignored', reason: `event "${event.slice(0, 60)}" is not one Niro acts on (push, pull_request)` };
}

/** Whether a push to `pushedRef` (full name, or null: unknown) moves the source's tracked `ref` (a short or full name). */
export function pushMatches(trackedRef: string, pushedRef: string | null): boolean {
  if (pushedRef === null) return true;
  if (/^[0-9a-f]{40}$/.test(trackedRef)) return false;
  if (trackedRef.startsWith('refs/')) return pushedRef === trackedRef;
  return pushedRef === `refs/heads/${trackedRef}` || pushedRef === `refs/tags/${trackedRef}`;
}

/** The payload of a body sent as JSON or as GitHub's form encoding (`payload=<json>`). */
export function webhookPayloadText(contentType: string | null, body: string): string {
  if ((contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body).get('payload') ?? '';
  return body;
}
