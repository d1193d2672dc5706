// Reading webhooks: GitHub's X-Hub-Signature-256 (and Gitea's and GitLab's forms) checked over the raw body, delivery
// ids, and the push, pull_request and generic payload shapes.
import { describe, expect, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import { checkWebhookSignature, deliveryIdOf, parseWebhookEvent, pushMatches, webhookPayloadText } from './webhook';

const SECRET = 'webhook-secret-0123456789';
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

describe('signatures', () => {
  const body = '{"ref":"refs/heads/main"}';
  test('GitHub’s X-Hub-Signature-256 over the exact body', () => {
    expect(checkWebhookSignature(SECRET, new Headers({ 'x-hub-signature-256': sign(body) }), body)).toEqual({ ok: true, scheme: 'hub-signature-256' });
    // One byte more, another secret, a truncated or malformed header: refused.
    expect(checkWebhookSignature(SECRET, new Headers({ 'x-hub-signature-256': sign(body) }), `${body} `).ok).toBe(false);
    expect(checkWebhookSignature(SECRET, new Headers({ 'x-hub-signature-256': sign(body, 'other-secret-0123456') }), body).ok).toBe(false);
    expect(checkWebhookSignature(SECRET, new Headers({ 'x-hub-signature-256': sign(body).slice(0, 40) }), body).ok).toBe(false);
    expect(checkWebhookSignature(SECRET, new Headers({ 'x-hub-signature-256': sign(body).replace('sha256=', 'sha1=') }), body).ok).toBe(false);
    expect(checkWebhookSignature(SECRET, new Headers({ 'x-hub-signature-256': 'sha256=zz' }), body).ok).toBe(false);
  });
  test('Gitea’s bare hex HMAC and GitLab’s token; none at all is refused', () => {
    const hex = sign(body).slice(7);
    expect(checkWebhookSignature(SECRET, new Headers({ 'x-gitea-signature': hex }), body)).toEqual({ ok: true, scheme: 'gitea-signature' });
    expect(checkWebhookSignature(SECRET, new Headers({ 'x-gitlab-token': SECRET }), body)).toEqual({ ok: true, scheme: 'gitlab-token' });
    expect(checkWebhookSignature(SECRET, new Headers({ 'x-gitlab-token': `${SECRET}x` }), body).ok).toBe(false);
    const none = checkWebhookSignature(SECRET, new Headers(), body);
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.reason).toContain('no signature');
    // A GitHub signature header present but wrong is not rescued by a GitLab token beside it.
    expect(checkWebhookSignature(SECRET, new Headers({ 'x-hub-signature-256': sign('x'), 'x-gitlab-token': SECRET }), body).ok).toBe(false);
  });
});

describe('deliveries and payloads', () => {
  test('the server’s delivery id, else a hash of the body', () => {
    expect(deliveryIdOf(new Headers({ 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' }), '{}')).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958');
    expect(deliveryIdOf(new Headers(), '{"a":1}')).toBe(deliveryIdOf(new Headers(), '{"a":1}'));
    expect(deliveryIdOf(new Headers(), '{"a":1}')).not.toBe(deliveryIdOf(new Headers(), '{"a":2}'));
  });

  test('a GitHub push; a deleted branch has no commit', () => {
    const push = {
      ref: 'refs/heads/main',
      before: SHA_A,
      after: SHA_B,
      created: false,
      deleted: false,
      repository: { full_name: 'acme/app' },
      head_commit: { id: SHA_B },
    };
    expect(parseWebhookEvent('push', push)).toEqual({ kind: 'push', ref: 'refs/heads/main', after: SHA_B });
    expect(parseWebhookEvent('push', { ...push, after: '0'.repeat(40), deleted: true })).toEqual({ kind: 'push', ref: 'refs/heads/main', after: null });
  });

  test('a GitHub pull_request (opened, synchronize, closed)', () => {
    const pr = {
      action: 'synchronize',
      number: 42,
      before: SHA_A,
      after: SHA_B,
      pull_request: {
        number: 42,
        state: 'open',
        title: 'Raise replicas',
        html_url: 'https://github.com/acme/app/pull/42',
        head: { ref: 'feature', sha: SHA_B, repo: { full_name: 'someone/app' } },
        base: { ref: 'main', sha: SHA_A, repo: { full_name: 'acme/app' } },
      },
      repository: { full_name: 'acme/app' },
    };
    expect(parseWebhookEvent('pull_request', pr)).toEqual({
      kind: 'pull_request',
      action: 'synchronize',
      number: 42,
      headSha: SHA_B,
      headRef: 'feature',
      baseRef: 'main',
      baseSha: SHA_A,
      title: 'Raise replicas',
      url: 'https://github.com/acme/app/pull/42',
      repository: 'acme/app',
      state: 'open',
    });
    expect(parseWebhookEvent('pull_request', { ...pr, pull_request: { ...pr.pull_request, head: { sha: 'nope' } } }).kind).toBe('ignored');
    expect(parseWebhookEvent('ping', { zen: 'Keep it logically awesome.', hook_id: 1 })).toEqual({ kind: 'ping' });
    expect(parseWebhookEvent('issues', {})).toEqual({ kind: 'ignored', reason: 'event "issues" is not one Niro acts on (push, pull_request)' });
  });

  test('the generic shape: GitLab’s push, a bare {ref, after}, and {} for "sync now"', () => {
    expect(parseWebhookEvent('Push Hook', { object_kind: 'push', ref: 'refs/heads/main', after: SHA_B, checkout_sha: SHA_B })).toEqual({
      kind: 'push',
      ref: 'refs/heads/main',
      after: SHA_B,
    });
    expect(parseWebhookEvent(null, { ref: 'refs/heads/main', after: SHA_B })).toEqual({ kind: 'push', ref: 'refs/heads/main', after: SHA_B });
    expect(parseWebhookEvent(null, {})).toEqual({ kind: 'push', ref: null, after: null });
  });

  test('which pushes move the tracked ref', () => {
    expect(pushMatches('main', 'refs/heads/main')).toBe(true);
    expect(pushMatches('main', 'refs/heads/main2')).toBe(false);
    expect(pushMatches('v1.0.0', 'refs/tags/v1.0.0')).toBe(true);
    expect(pushMatches('refs/heads/main', 'refs/heads/main')).toBe(true);
    expect(pushMatches('main', null)).toBe(true);
    expect(pushMatches(SHA_A, 'refs/heads/main')).toBe(false);
  });

  test('GitHub’s form encoding carries the JSON in `payload`', () => {
    expect(webhookPayloadText('application/x-www-form-urlencoded', `payload=${encodeURIComponent('{"a":1}')}`)).toBe('{"a":1}');
    expect(webhookPayloadText('application/json', '{"a":1}')).toBe('{"a":1}');
  });
});
