// Commands: the control plane queues them, the agent long-polls, executes and reports one result per id.
import { Type, type Static } from '@sinclair/typebox';
import { LIMITS } from './protocol.ts';

export const CommandType = Type.Union([Type.Literal('ping'), Type.Literal('apply'), Type.Literal('delete'), Type.Literal('self-update')]);
export type CommandType = Static<typeof CommandType>;
export const COMMAND_TYPES: readonly CommandType[] = CommandType.anyOf.map((literal) => literal.const);

export const PingPayload = Type.Object({});
export type PingPayload = Static<typeof PingPayload>;

/** One object by its identity, as prune lists and multi-object deletes name it. */
export const ObjectRef = Type.Object({
  apiVersion: Type.String({ minLength: 1, maxLength: LIMITS.word }),
  kind: Type.String({ minLength: 1, maxLength: LIMITS.word }),
  namespace: Type.String({ minLength: 1, maxLength: LIMITS.name }),
  name: Type.String({ minLength: 1, maxLength: LIMITS.name }),
});
export type ObjectRef = Static<typeof ObjectRef>;

/** A deployment id as it travels in the `niro.dev/deployment` label: a label value (UUIDs fit). */
export const DeploymentId = Type.String({ minLength: 1, maxLength: LIMITS.labelValue, pattern: '^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$' });

/** Protocol 8: which deployment revision an apply belongs to. */
export const DeploymentStamp = Type.Object({
  id: DeploymentId,
  revision: Type.Integer({ minimum: 1 }),
});
export type DeploymentStamp = Static<typeof DeploymentStamp>;

export const ApplyPayload = Type.Object({
  /** Multi-document YAML (or JSON) manifests; applied with server-side apply, field manager "niro". */
  manifests: Type.String({ minLength: 1, maxLength: LIMITS.manifests }),
  /** Namespace for namespaced objects that name none. */
  defaultNamespace: Type.Optional(Type.String({ maxLength: LIMITS.name })),
  /** Server-side dry run: validates against the API server, persists nothing. */
  dryRun: Type.Optional(Type.Boolean()),
  /**
   * Protocol 8: every applied object gets the labels `app.kubernetes.io/managed-by: niro`,
   * `niro.dev/deployment: <id>` and the annotation `niro.dev/revision: "<revision>"`.
   */
  deployment: Type.Optional(DeploymentStamp),
  /**
   * Protocol 8, only with `deployment`: after a successful apply, each listed object is deleted only if it
   * carries `niro.dev/deployment=<deployment.id>` (result 'pruned'; 'skipped' with a message otherwise).
   * Namespaces are never pruned.
   */
  prune: Type.Optional(Type.Array(ObjectRef, { maxItems: LIMITS.objectsPerCommand })),
});
export type ApplyPayload = Static<typeof ApplyPayload>;

/** Deletes one namespaced object. Namespaces themselves are never deleted (the agent refuses). */
export const DeleteObjectPayload = ObjectRef;
export type DeleteObjectPayload = Static<typeof DeleteObjectPayload>;

/**
 * Protocol 8: deletes what a deployment created. Each object is deleted only if it carries
 * `niro.dev/deployment=<deployment>` ('skipped' with a message otherwise); Namespaces never.
 */
export const DeleteDeploymentPayload = Type.Object({
  deployment: DeploymentId,
  objects: Type.Array(ObjectRef, { minItems: 1, maxItems: LIMITS.objectsPerCommand }),
});
export type DeleteDeploymentPayload = Static<typeof DeleteDeploymentPayload>;

/**
 * Either form. The agent picks the schema by the presence of `objects` (so an error names the field,
 * not "expected union value"): see `deletePayloadSchema`.
 */
export const DeletePayload = Type.Union([DeleteObjectPayload, DeleteDeploymentPayload]);
export type DeletePayload = Static<typeof DeletePayload>;

/** The schema of the delete form a payload claims to be (the multi-object one when it has `objects`). */
export function deletePayloadSchema(payload: unknown): typeof DeleteObjectPayload | typeof DeleteDeploymentPayload {
  return payload !== null && typeof payload === 'object' && 'objects' in payload ? DeleteDeploymentPayload : DeleteObjectPayload;
}

/** Patches the agent's own Deployment (niro-system/niro-agent) to this image. */
export const SelfUpdatePayload = Type.Object({
  image: Type.String({ minLength: 1, maxLength: LIMITS.image }),
});
export type SelfUpdatePayload = Static<typeof SelfUpdatePayload>;

const envelope = {
  id: Type.String({ minLength: 1, maxLength: 128 }),
  /** ISO 8601 (RFC 3339). */
  createdAt: Type.String({ maxLength: 64 }),
};

export const PingCommand = Type.Object({ ...envelope, type: Type.Literal('ping'), payload: PingPayload });
export type PingCommand = Static<typeof PingCommand>;
export const ApplyCommand = Type.Object({ ...envelope, type: Type.Literal('apply'), payload: ApplyPayload });
export type ApplyCommand = Static<typeof ApplyCommand>;
export const DeleteCommand = Type.Object({ ...envelope, type: Type.Literal('delete'), payload: DeletePayload });
export type DeleteCommand = Static<typeof DeleteCommand>;
export const SelfUpdateCommand = Type.Object({
  ...envelope,
  type: Type.Literal('self-update'),
  payload: SelfUpdatePayload,
});
export type SelfUpdateCommand = Static<typeof SelfUpdateCommand>;

/** A fully typed command (what the server creates). */
export const Command = Type.Union([PingCommand, ApplyCommand, DeleteCommand, SelfUpdateCommand]);
export type Command = Static<typeof Command>;

/**
 * A command as it travels: the envelope checked strictly, type and payload loosely. The agent validates
 * the payload with COMMAND_PAYLOAD_BY_TYPE, so a command type it doesn't know (from a newer server) or
 * one bad payload becomes one refused result instead of a rejected poll.
 */
export const CommandEnvelope = Type.Object({
  ...envelope,
  type: Type.String({ minLength: 1, maxLength: 64 }),
  payload: Type.Unknown(),
});
export type CommandEnvelope = Static<typeof CommandEnvelope>;

export const COMMAND_PAYLOAD_BY_TYPE = {
  ping: PingPayload,
  apply: ApplyPayload,
  delete: DeletePayload,
  'self-update': SelfUpdatePayload,
} as const;

/** Answer of GET /v1/agent/commands: empty after the long-poll timeout. */
export const CommandsResponse = Type.Object({
  commands: Type.Array(CommandEnvelope, { maxItems: LIMITS.commandsPerPoll }),
});
export type CommandsResponse = Static<typeof CommandsResponse>;

/** Machine-readable failure causes, so the UI can say "enable apply" rather than quote a message. */
export const CommandErrorCode = Type.Union([
  Type.Literal('capability_missing'),
  Type.Literal('invalid_payload'),
  Type.Literal('unsupported_type'),
  Type.Literal('forbidden_target'),
  Type.Literal('kube_error'),
]);
export type CommandErrorCode = Static<typeof CommandErrorCode>;

/** Outcome for one object of an apply or delete. */
export const ObjectResult = Type.Object({
  apiVersion: Type.String({ maxLength: LIMITS.word }),
  kind: Type.String({ maxLength: LIMITS.word }),
  namespace: Type.String({ maxLength: LIMITS.name }),
  name: Type.String({ maxLength: LIMITS.name }),
  action: Type.Union([
    Type.Literal('created'),
    Type.Literal('configured'),
    Type.Literal('unchanged'),
    Type.Literal('deleted'),
    Type.Literal('not-found'),
    Type.Literal('failed'),
    Type.Literal('skipped'),
    /** Protocol 8: deleted by an apply's prune list. */
    Type.Literal('pruned'),
  ]),
  message: Type.Optional(Type.String({ maxLength: LIMITS.message })),
});
export type ObjectResult = Static<typeof ObjectResult>;

export const CommandResultDetails = Type.Object({
  code: Type.Optional(CommandErrorCode),
  objects: Type.Optional(Type.Array(ObjectResult, { maxItems: LIMITS.objectsPerCommand * 2 })),
  /** Set for ping: the agent's version, so a ping also tells what is running. */
  agentVersion: Type.Optional(Type.String({ maxLength: LIMITS.version })),
});
export type CommandResultDetails = Static<typeof CommandResultDetails>;

/** Body of POST /v1/agent/commands/:id/result. */
export const CommandResult = Type.Object({
  commandId: Type.String({ minLength: 1, maxLength: 128 }),
  ok: Type.Boolean(),
  /** One line for humans: "applied 3 objects", "apply capability not detected: …". */
  message: Type.String({ maxLength: LIMITS.message }),
  details: Type.Optional(CommandResultDetails),
  /** Wall time the agent spent executing, in milliseconds. */
  durationMs: Type.Integer({ minimum: 0 }),
});
export type CommandResult = Static<typeof CommandResult>;
