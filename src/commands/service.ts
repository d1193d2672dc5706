// Operator side of the command channel, shared by the JSON API and the pages: validate, check the
// capability the cluster reported, queue (audited), wake the agent's long-poll, wait for a result.
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Type, type TObject, type TProperties } from '@sinclair/typebox';
import { parseAllDocuments } from 'yaml';
import type { Db } from '../db/client';
import { recordAudit } from '../audit/store';
import type { Actor } from '../audit/store';
import type { Cluster } from '../clusters/schema';
import {
  ApplyPayload,
  DeleteDeploymentPayload,
  DeleteObjectPayload,
  PingPayload,
  deletePayloadSchema,
  type CommandType,
  type DeletePayload,
} from '../contract';
import type { CommandSignals } from './signals';
import { findCommand, insertCommand } from './store';
import type { CommandRow } from './schema';

/** Command types an operator may queue here (self-update belongs to the agent-update feature). */
export const USER_COMMAND_TYPES = ['ping', 'apply', 'delete'] as const;
export type UserCommandType = (typeof USER_COMMAND_TYPES)[number];

export const DEFAULT_TTL_SECONDS = 600;

const strict = <T extends TProperties>(schema: TObject<T>) => Type.Object(schema.properties, { additionalProperties: false });
const PAYLOAD_CHECKS = {
  ping: TypeCompiler.Compile(strict(PingPayload)),
  apply: TypeCompiler.Compile(strict(ApplyPayload)),
  delete: TypeCompiler.Compile(strict(DeleteObjectPayload)),
  deleteDeployment: TypeCompiler.Compile(strict(DeleteDeploymentPayload)),
} as const;

/** The compiled check of a payload: a delete naming `objects` is the deployment form. */
function payloadCheck(type: UserCommandType, payload: unknown) {
  if (type !== 'delete') return PAYLOAD_CHECKS[type];
  return deletePayloadSchema(payload) === DeleteDeploymentPayload ? PAYLOAD_CHECKS.deleteDeployment : PAYLOAD_CHECKS.delete;
}

export type QueueInput = { type: UserCommandType; payload: unknown; ttlSeconds: number };

export type QueueResult =
  | { ok: true; command: CommandRow }
  | { ok: false; reason: 'invalid_payload' | 'forbidden_target'; message: string }
  | { ok: false; reason: 'capability_missing'; message: string };

type ObjectRef = { kind: string; namespace: string | null; name: string };

/** Objects of multi-document YAML/JSON (a `kind: List` expanded), or the first problem, named by document. */
export function readManifests(text: string): { ok: true; objects: ObjectRef[] } | { ok: false; message: string } {
  const objects: ObjectRef[] = [];
  for (const [index, document] of parseAllDocuments(text).entries()) {
    if (document.errors.length > 0) return { ok: false, message: `payload.manifests: document ${index + 1}: ${document.errors[0].message.split('\n')[0]}` };
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const items = (value as { kind?: unknown }).kind === 'List' ? ((value as { items?: unknown }).items ?? []) : [value];
    for (const item of Array.isArray(items) ? items : []) {
      const o = item as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
      if (typeof o !== 'object' || o === null || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
        return { ok: false, message: `payload.manifests: document ${index + 1}: every object needs apiVersion, kind and metadata.name` };
      }
      objects.push({ kind: o.kind, name: o.metadata.name, namespace: typeof o.metadata.namespace === 'string' ? o.metadata.namespace : null });
    }
  }
  if (objects.length === 0) return { ok: false, message: 'payload.manifests: no objects' };
  return { ok: true, objects };
}

function describeObjects(objects: ObjectRef[], defaultNamespace: string | undefined): string {
  const shown = objects.slice(0, 5).map((o) => `${o.kind} ${o.namespace ?? defaultNamespace ?? 'default'}/${o.name}`);
  const more = objects.length > shown.length ? `, +${objects.length - shown.length} more` : '';
  return `${shown.join(', ')}${more}`;
}

/** How an operator turns the apply capability on (shown wherever apply or delete is refused for its lack). */
export const APPLY_ENABLE_HINT =
  're-run the installer on the cluster with NIRO_ENABLE_APPLY=1 (no new token needed); the capability shows within one heartbeat';

/**
 * Validates and queues a command, audits it and wakes the cluster's long-poll wherever it is held.
 * apply/delete need the apply capability as the agent last reported it (the agent checks again itself).
 */
export async function queueCommand(db: Db, signals: CommandSignals, actor: Actor, cluster: Cluster, input: QueueInput, now: Date): Promise<QueueResult> {
  const payload = input.payload ?? {};
  const check = payloadCheck(input.type, payload);
  if (!check.Check(payload)) {
    const first = check.Errors(payload).First();
    const field = (first?.path ?? '').replace(/^\//, '').replace(/\//g, '.');
    return { ok: false, reason: 'invalid_payload', message: `payload${field ? '.' + field : ''}: ${first?.message ?? 'invalid'}` };
  }
  let summary: string;
  switch (input.type) {
    case 'ping':
      summary = 'ping';
      break;
    case 'apply': {
      const p = payload as ApplyPayload;
      const read = readManifests(p.manifests);
      if (!read.ok) return { ok: false, reason: 'invalid_payload', message: read.message };
      summary = `${p.dryRun ? 'apply (dry run)' : 'apply'} ${read.objects.length} object(s): ${describeObjects(read.objects, p.defaultNamespace)}`;
      break;
    }
    case 'delete': {
      const p = payload as DeletePayload;
      if ('objects' in p) {
        const index = p.objects.findIndex((o) => o.kind === 'Namespace');
        if (index >= 0) return { ok: false, reason: 'forbidden_target', message: `payload.objects.${index}.kind: Niro never deletes namespaces` };
        summary = `delete ${p.objects.length} object(s) of deployment ${p.deployment}: ${describeObjects(p.objects, undefined)}`;
        break;
      }
      if (p.kind === 'Namespace') return { ok: false, reason: 'forbidden_target', message: 'payload.kind: Niro never deletes namespaces' };
      summary = `delete ${p.kind} ${p.namespace}/${p.name}`;
      break;
    }
  }
  if (input.type !== 'ping' && !cluster.capabilities?.apply?.enabled) {
    const seen = cluster.capabilities
      ? `its agent reports apply as off (${cluster.capabilities.apply?.detectedBy ?? 'not reported'})`
      : 'its agent has not reported capabilities yet';
    return {
      ok: false,
      reason: 'capability_missing',
      message: `${input.type} needs the apply capability on cluster "${cluster.name}", and ${seen}: ${APPLY_ENABLE_HINT}`,
    };
  }
  const command = await insertCommand(db, {
    clusterId: cluster.id,
    type: input.type as CommandType,
    payload: payload as Record<string, unknown>,
    summary: summary.slice(0, 500),
    createdBy: actor.userId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000),
  });
  await recordAudit(db, {
    orgId: cluster.orgId,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'command.create',
    target: command.id,
    details: { clusterId: cluster.id, cluster: cluster.name, type: command.type, summary: command.summary },
    ip: actor.ip,
  });
  // After the insert committed: a long-poll woken by this finds the row.
  await signals.publishQueued(cluster.id);
  return { ok: true, command };
}

/** The command once it has a result, or as it stands after `ms` (or on abort). */
export async function awaitResult(
  db: Db,
  signals: CommandSignals,
  clusterId: string,
  commandId: string,
  ms: number,
  signal?: AbortSignal,
): Promise<CommandRow | null> {
  const deadline = Date.now() + ms;
  const watch = await signals.watchDone(commandId);
  try {
    for (;;) {
      // Checked after the watch is registered: a result stored in between is seen here or wakes the watch.
      const row = await findCommand(db, clusterId, commandId);
      if (!row || row.result) return row;
      if (!(await watch.next(deadline - Date.now(), signal))) return findCommand(db, clusterId, commandId);
    }
  } finally {
    watch.close();
  }
}

export type PingOutcome = { ok: true; command: CommandRow; latencyMs: number } | { ok: false; command: CommandRow };

/**
 * Round trip through the agent: queue a ping that expires when the wait ends (a late agent never gets a
 * stale ping), wait for its result. Latency is queue → result on the server clock.
 */
export async function pingCluster(
  db: Db,
  signals: CommandSignals,
  actor: Actor,
  cluster: Cluster,
  waitSeconds: number,
  signal?: AbortSignal,
): Promise<PingOutcome> {
  const queued = await queueCommand(db, signals, actor, cluster, { type: 'ping', payload: {}, ttlSeconds: waitSeconds }, new Date());
  if (!queued.ok) throw new Error(`ping refused: ${queued.message}`);
  const row = (await awaitResult(db, signals, cluster.id, queued.command.id, waitSeconds * 1000, signal)) ?? queued.command;
  if (!row.result || !row.completedAt) return { ok: false, command: row };
  return { ok: true, command: row, latencyMs: latencyOf(row)! };
}

/** Queue → result in ms; null until there is a result. */
export function latencyOf(row: Pick<CommandRow, 'createdAt' | 'completedAt' | 'result'>): number | null {
  return row.result && row.completedAt ? Math.max(0, row.completedAt.getTime() - row.createdAt.getTime()) : null;
}
