// What the commands API answers: commands as operators see them, and the result of a ping.
import { t } from 'elysia';
import { ApplyPayload, CommandResult, CommandType, DeletePayload, PingPayload, SelfUpdatePayload } from '../contract';
import { Count, Exact, Nullable, OneOf, Page, Timestamp } from '../http/responses';
import { COMMAND_STATUSES } from './vocabulary';

/** An apply's manifests may hold Secret data: the API shows their size, never them. */
const ShownApplyPayload = t.Composite([
  t.Omit(ApplyPayload, ['manifests']),
  t.Object({ manifestsBytes: Count({ description: 'Size of the manifests, in characters' }) }),
]);

export const CommandJson = Exact({
  id: t.String(),
  clusterId: t.String(),
  type: CommandType,
  status: OneOf(COMMAND_STATUSES),
  summary: t.String({ description: 'One line, never secret values: "apply 3 objects: Deployment shop/web, …"' }),
  payload: t.Union([ShownApplyPayload, DeletePayload, SelfUpdatePayload, PingPayload], { description: 'The payload of its type, as queued' }),
  createdAt: Timestamp,
  createdBy: Nullable(t.String({ description: 'Email of who queued it' })),
  expiresAt: Timestamp,
  deliveredAt: Nullable(Timestamp),
  completedAt: Nullable(Timestamp),
  latencyMs: Nullable(Count({ description: 'Queued → result, in ms; null until the agent answered' })),
  result: Nullable(CommandResult),
});
export type CommandJson = typeof CommandJson.static;

export const CommandPage = Page('commands', CommandJson);
export type CommandPage = typeof CommandPage.static;

export const PingJson = Exact({
  ok: t.Boolean(),
  latencyMs: Count({ description: 'Queued → result, in ms' }),
  message: t.String(),
  agentVersion: Nullable(t.String()),
  agentDurationMs: Count({ description: 'Time the agent spent on it, in ms' }),
  command: CommandJson,
});
export type PingJson = typeof PingJson.static;
