// One webhook delivery, from raw body to what it sets off. Nothing is read from the payload, and nothing changes,
// before the signature over the raw body checks out; a delivery id already taken changes nothing either.
import type { Db } from '../db/client';
import type { SecretBox } from '../security/encryption';
import type { GitSource } from './schema';
import { webhookSecretOf } from './sources';
import { recordDelivery } from './store';
import { checkWebhookSignature, deliveryIdOf, parseWebhookEvent, pushMatches, webhookPayloadText, type PullRequestEvent } from './webhook';

export type Received =
  | { ok: false; status: 400 | 401; message: string }
  | {
      ok: true;
      status: 200 | 202;
      event: string;
      /** What to set off: a sync of the source, a check of a pull request, or nothing. */
      action: { kind: 'sync' } | { kind: 'check_pull_request'; pr: PullRequestEvent } | { kind: 'none' };
      duplicate: boolean;
      reason: string | null;
    };

/** The source's branch a pull request must target for Niro to check it (a tag or a commit id: none). */
function trackedBranch(ref: string): string | null {
  if (/^[0-9a-f]{40}$/.test(ref) || ref.startsWith('refs/tags/')) return null;
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
}

/** Checks, records and classifies one delivery for `source` (see the top of this file). */
export async function receiveWebhook(db: Db, box: SecretBox, source: GitSource, headers: Headers, body: string): Promise<Received> {
  const secret = webhookSecretOf(box, source);
  if (secret === null) return { ok: false, status: 401, message: 'this Git source has no webhook secret; set one in its settings first' };
  const signature = checkWebhookSignature(secret, headers, body);
  if (!signature.ok) return { ok: false, status: 401, message: signature.reason };
  const eventName = headers.get('x-github-event') ?? headers.get('x-gitea-event') ?? headers.get('x-gogs-event') ?? headers.get('x-gitlab-event');
  const text = webhookPayloadText(headers.get('content-type'), body);
  let payload: unknown = {};
  if (text.trim() !== '') {
    try {
      payload = JSON.parse(text);
    } catch {
      return { ok: false, status: 400, message: 'body: not valid JSON' };
    }
  }
  const event = parseWebhookEvent(eventName, payload);
  const name = (eventName ?? 'push').slice(0, 60);
  const none = (reason: string | null, status: 200 | 202 = 202): Received => ({
    ok: true,
    status,
    event: name,
    action: { kind: 'none' },
    duplicate: false,
    reason,
  });
  if (event.kind === 'ping') return none('pong', 200);
  if (event.kind === 'ignored') return none(event.reason);
  if (event.kind === 'push' && !pushMatches(source.ref, event.ref)) return none(`push to ${event.ref} is not the tracked ref "${source.ref}"`);
  if (event.kind === 'pull_request') {
    const branch = trackedBranch(source.ref);
    if (branch === null || event.baseRef !== branch) return none(`pull request into "${event.baseRef}", not the tracked branch "${source.ref}"`);
    if (!['opened', 'synchronize', 'synchronized', 'reopened', 'closed', 'edited'].includes(event.action)) return none(`pull_request action "${event.action}"`);
  }
  // Recorded only now: a delivery that does nothing may be redelivered once it would (a fixed ref, say).
  if (!(await recordDelivery(db, source.id, deliveryIdOf(headers, body), name)))
    return { ok: true, status: 200, event: name, action: { kind: 'none' }, duplicate: true, reason: 'delivery already received' };
  if (event.kind === 'push') return { ok: true, status: 202, event: name, action: { kind: 'sync' }, duplicate: false, reason: null };
  return { ok: true, status: 202, event: name, action: { kind: 'check_pull_request', pr: event }, duplicate: false, reason: null };
}
