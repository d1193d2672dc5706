// What operators do to channels, for the API and the pages alike: checked before any write, secrets sealed,
// every change audited (with the names of secrets that changed, never their values).
import { randomUUID } from 'node:crypto';
import { and, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { Actor } from '../audit/store';
import { recordAudit } from '../audit/store';
import { clusters } from '../clusters/schema';
import type { SecretBox } from '../security/encryption';
import { checkChannel, maskedSecrets, sealSecrets, type ChannelInput } from './channels';
import { sendTestMessage, type DeliveryDeps } from './delivery';
import type { NotificationChannel, NotificationMessage } from './schema';
import { countChannels, deleteChannel, insertChannel, MAX_CHANNELS_PER_ORG, updateChannel } from './store';
import type { ChannelJson, DeliveryJson, TestResultJson } from './responses';
import type { ChannelType } from './vocabulary';

export type ChannelOutcome = { ok: true; channel: NotificationChannel } | { ok: false; message: string; status: 400 | 409 };

/** Cluster ids of a rule must name clusters the caller can see: the first one that does not, or null. */
async function unknownCluster(db: Db, ids: readonly string[] | undefined, scopeOrgIds: readonly string[]): Promise<string | null> {
  if (!ids || ids.length === 0) return null;
  const found = await db
    .select({ id: clusters.id })
    .from(clusters)
    .where(and(inArray(clusters.id, [...ids]), inArray(clusters.orgId, [...scopeOrgIds])));
  const seen = new Set(found.map((r) => r.id));
  return ids.find((id) => !seen.has(id.toLowerCase())) ?? null;
}

export async function createChannel(
  db: Db,
  box: SecretBox,
  actor: Actor,
  scopeOrgIds: readonly string[],
  orgId: string,
  type: ChannelType,
  input: ChannelInput,
  now: Date,
): Promise<ChannelOutcome> {
  const checked = checkChannel(type, input, null);
  if (!checked.ok) return { ok: false, message: checked.message, status: 400 };
  const missing = await unknownCluster(db, input.clusterIds, scopeOrgIds);
  if (missing) return { ok: false, message: `clusterIds: no cluster "${missing.slice(0, 40)}" in your organizations`, status: 400 };
  if ((await countChannels(db, orgId)) >= MAX_CHANNELS_PER_ORG)
    return { ok: false, message: `orgId: an organization has at most ${MAX_CHANNELS_PER_ORG} channels`, status: 400 };
  const id = randomUUID();
  const c = checked.channel;
  const channel = await insertChannel(
    db,
    {
      id,
      orgId,
      name: c.name,
      type,
      enabled: c.enabled,
      settings: c.settings,
      secrets: sealSecrets(box, id, c.secrets),
      rule: c.rule,
      createdBy: actor.userId,
    },
    now,
  );
  await recordAudit(db, {
    orgId,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'notification_channel.create',
    target: id,
    details: { name: c.name, type, secretsSet: Object.keys(c.secrets) },
    ip: actor.ip,
  });
  return { ok: true, channel };
}

export async function editChannel(
  db: Db,
  box: SecretBox,
  actor: Actor,
  scopeOrgIds: readonly string[],
  existing: NotificationChannel,
  input: ChannelInput,
  now: Date,
): Promise<ChannelOutcome> {
  const checked = checkChannel(existing.type, input, existing);
  if (!checked.ok) return { ok: false, message: checked.message, status: 400 };
  const missing = await unknownCluster(db, input.clusterIds, scopeOrgIds);
  if (missing) return { ok: false, message: `clusterIds: no cluster "${missing.slice(0, 40)}" in your organizations`, status: 400 };
  const c = checked.channel;
  const secrets = { ...existing.secrets, ...sealSecrets(box, existing.id, c.secrets) };
  const updated = await updateChannel(db, existing.id, { name: c.name, enabled: c.enabled, settings: c.settings, secrets, rule: c.rule }, now);
  if (!updated) return { ok: false, message: 'channel: deleted meanwhile', status: 409 };
  await recordAudit(db, {
    orgId: existing.orgId,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'notification_channel.update',
    target: existing.id,
    details: {
      name: c.name,
      enabled: c.enabled,
      fields: Object.keys(input).filter((k) => !['secret', 'slackUrl', 'routingKey', 'smtpPassword'].includes(k)),
      secretsSet: Object.keys(c.secrets),
    },
    ip: actor.ip,
  });
  return { ok: true, channel: updated };
}

export async function removeChannel(db: Db, actor: Actor, channel: NotificationChannel): Promise<void> {
  await deleteChannel(db, channel.id);
  await recordAudit(db, {
    orgId: channel.orgId,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'notification_channel.delete',
    target: channel.id,
    details: { name: channel.name, type: channel.type },
    ip: actor.ip,
  });
}

export async function testChannel(deps: DeliveryDeps, actor: Actor, channel: NotificationChannel, now: Date): Promise<TestResultJson> {
  const { id, result } = await sendTestMessage(deps, channel.id, now);
  await recordAudit(deps.db, {
    orgId: channel.orgId,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'notification_channel.test',
    target: channel.id,
    details: { name: channel.name, delivery: id, ok: result.ok, code: result.code },
    ip: actor.ip,
  });
  return { deliveryId: id, ok: result.ok, code: result.code, error: result.ok ? null : result.error };
}

export function channelJson(box: SecretBox, c: NotificationChannel): ChannelJson {
  return {
    id: c.id,
    orgId: c.orgId,
    name: c.name,
    type: c.type,
    enabled: c.enabled,
    settings: c.settings as ChannelJson['settings'],
    secrets: maskedSecrets(box, c),
    rule: c.rule,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export function deliveryJson(m: NotificationMessage): DeliveryJson {
  return {
    id: m.id,
    kind: m.kind,
    status: m.status,
    incidents: m.items,
    attempts: m.attempts,
    lastCode: m.lastCode,
    lastError: m.lastError,
    createdAt: m.createdAt.toISOString(),
    lastAttemptAt: m.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: m.status === 'pending' ? m.nextAttemptAt.toISOString() : null,
    deliveredAt: m.deliveredAt?.toISOString() ?? null,
    pagerDutyAlert: m.alertKey,
  };
}
