// The command channel: long-poll the control plane, execute, report one result per command.
import { Value } from '@sinclair/typebox/value';
import { parseAllDocuments } from 'yaml';
import {
  COMMAND_PAYLOAD_BY_TYPE,
  deletePayloadSchema,
  LIMITS,
  type ApplyPayload,
  type CommandEnvelope,
  type CommandErrorCode,
  type CommandResult,
  type DeleteDeploymentPayload,
  type DeleteObjectPayload,
  type DeletePayload,
  type DeploymentStamp,
  NIRO_LABELS,
  type ObjectRef,
  type ObjectResult,
  type SelfUpdatePayload,
} from '../src/contract/index.ts';
import { CONTROL_PLANE_BACKOFF, REJECTED_RETRY_MS, computeBackoffMs, retryDelayMs, sleep } from './backoff.ts';
import { AGENT_CONTAINER, AGENT_DEPLOYMENT, detectCapability } from './collect/capabilities.ts';
import { KubeError, type KubeApi } from './kube-api.ts';
import type { KubeObject } from './kube-objects.ts';
import { appliedFieldSet } from './drift.ts';
import type { Logger } from './log.ts';
import type { NiroClient } from './niro-client.ts';
import type { AgentSession } from './session.ts';

export interface CommandDeps {
  kube: KubeApi;
  log: Logger;
  namespace: string;
  agentVersion: string;
}

type Outcome = Omit<CommandResult, 'commandId' | 'durationMs'>;

function refuse(code: CommandErrorCode, message: string): Outcome {
  return { ok: false, message: message.slice(0, LIMITS.message), details: { code } };
}

const ENABLE_HINT: Record<'apply' | 'selfUpdate', string> = {
  apply: 're-run the installer with NIRO_ENABLE_APPLY=1',
  selfUpdate: 're-run the installer with NIRO_ENABLE_SELF_UPDATE=1',
};

/** Checks RBAC at the moment of execution: a role revoked since the last heartbeat must already count. */
async function requireCapability(deps: CommandDeps, name: 'apply' | 'selfUpdate'): Promise<Outcome | null> {
  const capability = await detectCapability(deps.kube, name, deps.namespace);
  if (capability.enabled) return null;
  const label = name === 'apply' ? 'apply' : 'self-update';
  return refuse('capability_missing', `${label} capability not detected (${capability.detectedBy}): ${ENABLE_HINT[name]}`);
}

/** Parses multi-document YAML (or JSON) into objects; `kind: List` is expanded like kubectl does. */
export function parseManifests(text: string): { ok: true; objects: KubeObject[] } | { ok: false; error: string } {
  const objects: KubeObject[] = [];
  const documents = parseAllDocuments(text);
  for (const [index, document] of documents.entries()) {
    if (document.errors.length > 0) return { ok: false, error: `document ${index + 1}: ${document.errors[0]!.message}` };
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const items = (value as { kind?: unknown }).kind === 'List' ? ((value as { items?: unknown[] }).items ?? []) : [value];
    for (const item of items) {
      const object = item as Partial<KubeObject>;
      if (typeof object !== 'object' || !object.apiVersion || !object.kind || !object.metadata?.name) {
        return { ok: false, error: `document ${index + 1}: every object needs apiVersion, kind and metadata.name` };
      }
      objects.push(object as KubeObject);
    }
  }
  if (objects.length === 0) return { ok: false, error: 'no objects in manifests' };
  return { ok: true, objects };
}

/** `appliedCount`: how many of the results are applied objects (the prune list's results follow them). */
function summarize(results: ObjectResult[], dryRun: boolean, appliedCount: number = results.length): Outcome {
  const failed = results.filter((r) => r.action === 'failed');
  const count = (action: ObjectResult['action']): number => results.filter((r) => r.action === action).length;
  const verb = dryRun ? 'validated (dry run)' : 'applied';
  if (failed.length === 0) {
    return {
      ok: true,
      message: `${verb} ${appliedCount} object(s): ${count('created')} created, ${count('configured')} configured${
        count('pruned') > 0 ? `; ${count('pruned')} pruned` : ''
      }`,
      details: { objects: results.slice(0, LIMITS.objectsPerCommand * 2) },
    };
  }
  const first = failed[0]!;
  return {
    ok: false,
    message:
      `${failed.length} of ${results.length} object(s) failed; ${first.kind} ${first.namespace ? `${first.namespace}/` : ''}${first.name}: ${first.message ?? 'failed'}`.slice(
        0,
        LIMITS.message,
      ),
    details: { code: 'kube_error', objects: results.slice(0, LIMITS.objectsPerCommand * 2) },
  };
}

/** Labels and annotates an object for its deployment, and records the field set it applies (drift.ts). */
export function stampForDeployment(object: KubeObject, deployment: DeploymentStamp): void {
  // A Secret's stringData is applied as data (what the API server stores), so field ownership is recorded where the
  // value lives and drift on it can be read from managedFields.
  if (object.kind === 'Secret' && object.stringData && typeof object.stringData === 'object') {
    const encoded = Object.entries(object.stringData as Record<string, unknown>).map(([k, v]) => [k, Buffer.from(String(v), 'utf8').toString('base64')]);
    object.data = { ...((object.data as Record<string, string> | undefined) ?? {}), ...Object.fromEntries(encoded) };
    delete object.stringData;
  }
  object.metadata.labels = { ...(object.metadata.labels ?? {}), [NIRO_LABELS.managedBy]: NIRO_LABELS.managedByValue, [NIRO_LABELS.deployment]: deployment.id };
  const annotations: Record<string, string> = { ...(object.metadata.annotations ?? {}), [NIRO_LABELS.revision]: String(deployment.revision) };
  delete annotations[NIRO_LABELS.appliedFields];
  object.metadata.annotations = annotations;
  const fields = appliedFieldSet({ ...object, metadata: object.metadata as unknown as Record<string, unknown> });
  object.metadata.annotations = { ...annotations, [NIRO_LABELS.appliedFields]: JSON.stringify(fields) };
}

function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return a.apiVersion === b.apiVersion && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}

/**
 * Deletes one object only if it carries `niro.dev/deployment=<deployment>`; never a Namespace, never a cluster-scoped
 * object. The delete names the uid that was checked, so an object re-created meanwhile under the name is left alone.
 */
async function deleteIfOwned(deps: CommandDeps, ref: ObjectRef, deployment: string, done: 'pruned' | 'deleted'): Promise<ObjectResult> {
  const skipped = (message: string): ObjectResult => ({ ...ref, action: 'skipped', message: message.slice(0, LIMITS.message) });
  if (ref.kind === 'Namespace') return skipped('Niro never deletes namespaces');
  try {
    const namespaced = await deps.kube.isNamespaced(ref.apiVersion, ref.kind);
    if (namespaced === null) return skipped(`the API server does not serve ${ref.kind} in ${ref.apiVersion}`);
    if (!namespaced) return skipped(`${ref.kind} is cluster-scoped; only namespaced objects are deleted`);
    const live = await deps.kube.getObject(ref);
    if (!live) return { ...ref, action: 'not-found' };
    const label = live.metadata.labels?.[NIRO_LABELS.deployment];
    if (label !== deployment) {
      return skipped(label === undefined ? `has no ${NIRO_LABELS.deployment} label: not created by this deployment` : `belongs to deployment ${label}`);
    }
    const outcome = await deps.kube.deleteObject(ref, { uid: live.metadata.uid });
    return { ...ref, action: outcome === 'deleted' ? done : 'not-found' };
  } catch (error) {
    return { ...ref, action: 'failed', message: (error instanceof KubeError ? error.message : (error as Error).message).slice(0, LIMITS.message) };
  }
}

async function runApply(deps: CommandDeps, payload: ApplyPayload): Promise<Outcome> {
  const missing = await requireCapability(deps, 'apply');
  if (missing) return missing;
  if (payload.prune && payload.prune.length > 0 && !payload.deployment) {
    return refuse('invalid_payload', 'payload.prune: needs payload.deployment (only objects labelled with it are pruned)');
  }
  const parsed = parseManifests(payload.manifests);
  if (!parsed.ok) return refuse('invalid_payload', `manifests: ${parsed.error}`);
  for (const object of parsed.objects) {
    if (object.metadata.namespace) continue;
    if ((await deps.kube.isNamespaced(object.apiVersion, object.kind)) === true) {
      object.metadata.namespace = payload.defaultNamespace || 'default';
    }
  }
  if (payload.deployment) for (const object of parsed.objects) stampForDeployment(object, payload.deployment);
  const dryRun = payload.dryRun === true;
  const results = await deps.kube.applyObjects(parsed.objects, { dryRun });
  const applied = parsed.objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name }));
  const failed = results.some((r) => r.action === 'failed');
  for (const ref of payload.prune ?? []) {
    // Pruning after a failed apply could remove what the failed objects were meant to replace: leave it for the next apply.
    if (dryRun) results.push({ ...ref, action: 'skipped', message: 'dry run: not pruned' });
    else if (failed) results.push({ ...ref, action: 'skipped', message: 'not pruned: the apply failed' });
    else if (applied.some((a) => sameRef(a, ref))) results.push({ ...ref, action: 'skipped', message: 'not pruned: in the applied manifests' });
    else results.push(await deleteIfOwned(deps, ref, payload.deployment!.id, 'pruned'));
  }
  return summarize(results, dryRun, parsed.objects.length);
}

async function runDeleteDeployment(deps: CommandDeps, payload: DeleteDeploymentPayload): Promise<Outcome> {
  const index = payload.objects.findIndex((o) => o.kind === 'Namespace');
  if (index >= 0) return refuse('forbidden_target', `payload.objects.${index}.kind: Niro never deletes namespaces`);
  const missing = await requireCapability(deps, 'apply');
  if (missing) return missing;
  const results: ObjectResult[] = [];
  for (const ref of payload.objects) results.push(await deleteIfOwned(deps, ref, payload.deployment, 'deleted'));
  const count = (action: ObjectResult['action']): number => results.filter((r) => r.action === action).length;
  const failures = results.filter((r) => r.action === 'failed');
  const message = `deployment ${payload.deployment}: ${count('deleted')} deleted, ${count('not-found')} already gone, ${count('skipped')} skipped, ${failures.length} failed`;
  if (failures.length > 0) {
    const first = failures[0]!;
    return {
      ok: false,
      message: `${message}; ${first.kind} ${first.namespace}/${first.name}: ${first.message ?? 'failed'}`.slice(0, LIMITS.message),
      details: { code: 'kube_error', objects: results },
    };
  }
  return { ok: true, message, details: { objects: results } };
}

async function runDelete(deps: CommandDeps, payload: DeleteObjectPayload): Promise<Outcome> {
  // Checked before anything else: no grant, flag or payload makes the agent delete a namespace.
  if (payload.kind === 'Namespace') return refuse('forbidden_target', 'Niro never deletes namespaces');
  const missing = await requireCapability(deps, 'apply');
  if (missing) return missing;
  const namespaced = await deps.kube.isNamespaced(payload.apiVersion, payload.kind);
  if (namespaced === null) return refuse('kube_error', `the API server does not serve ${payload.kind} in ${payload.apiVersion}`);
  if (!namespaced) return refuse('forbidden_target', `${payload.kind} is cluster-scoped; only namespaced objects can be deleted`);
  const outcome = await deps.kube.deleteObject(payload);
  const object: ObjectResult = { ...payload, action: outcome === 'deleted' ? 'deleted' : 'not-found' };
  const target = `${payload.kind} ${payload.namespace}/${payload.name}`;
  return { ok: true, message: outcome === 'deleted' ? `deleted ${target}` : `${target} was already gone`, details: { objects: [object] } };
}

async function runSelfUpdate(deps: CommandDeps, payload: SelfUpdatePayload): Promise<Outcome> {
  const missing = await requireCapability(deps, 'selfUpdate');
  if (missing) return missing;
  if (/\s/.test(payload.image)) return refuse('invalid_payload', 'image must not contain whitespace');
  await deps.kube.patchOwnDeployment(deps.namespace, AGENT_DEPLOYMENT, AGENT_CONTAINER, payload.image);
  return { ok: true, message: `deployment ${deps.namespace}/${AGENT_DEPLOYMENT} is rolling to ${payload.image}` };
}

/** Executes one command and says how it went. Never throws: every failure becomes a result. */
export async function executeCommand(deps: CommandDeps, command: CommandEnvelope): Promise<CommandResult> {
  const started = performance.now();
  const finish = (outcome: Outcome): CommandResult => ({
    commandId: command.id,
    ...outcome,
    durationMs: Math.max(0, Math.round(performance.now() - started)),
  });
  if (!(command.type in COMMAND_PAYLOAD_BY_TYPE)) {
    return finish(refuse('unsupported_type', `unsupported command type "${command.type}" (agent ${deps.agentVersion})`));
  }
  const type = command.type as keyof typeof COMMAND_PAYLOAD_BY_TYPE;
  const schema = type === 'delete' ? deletePayloadSchema(command.payload) : COMMAND_PAYLOAD_BY_TYPE[type];
  if (!Value.Check(schema, command.payload)) {
    const first = Value.Errors(schema, command.payload).First();
    return finish(refuse('invalid_payload', `payload${first?.path ?? ''}: ${first?.message ?? 'invalid'}`));
  }
  try {
    switch (type) {
      case 'ping':
        return finish({ ok: true, message: 'pong', details: { agentVersion: deps.agentVersion } });
      case 'apply':
        return finish(await runApply(deps, command.payload as ApplyPayload));
      case 'delete':
        return finish(
          'objects' in (command.payload as DeletePayload)
            ? await runDeleteDeployment(deps, command.payload as DeleteDeploymentPayload)
            : await runDelete(deps, command.payload as DeleteObjectPayload),
        );
      case 'self-update':
        return finish(await runSelfUpdate(deps, command.payload as SelfUpdatePayload));
    }
  } catch (error) {
    const message = error instanceof KubeError ? `Kubernetes API: ${error.message}` : `agent error: ${(error as Error).message}`;
    return finish(refuse('kube_error', message));
  }
}

export interface CommandLoopDeps extends CommandDeps {
  client: NiroClient;
  session: AgentSession;
  signal: AbortSignal;
}

/**
 * Posts a result, retrying briefly: the server delivers each command once, so a lost result leaves the
 * operator waiting. Gives up after a few attempts (the server expires the command) rather than block.
 */
async function reportResult(deps: CommandLoopDeps, result: CommandResult): Promise<void> {
  for (let attempt = 1; attempt <= 5 && !deps.signal.aborted; attempt++) {
    const posted = await deps.client.postResult(deps.session.key, result, deps.signal);
    if (posted.ok) return;
    if (posted.failure.kind === 'rejected' || posted.failure.kind === 'unauthorized') {
      deps.log.warn('command result refused', { commandId: result.commandId, status: posted.failure.status, reason: posted.failure.message });
      return;
    }
    await sleep(retryDelayMs(posted.failure.retryAfterSeconds, attempt, CONTROL_PLANE_BACKOFF), deps.signal);
  }
  deps.log.warn('command result lost', { commandId: result.commandId });
}

/** Polls until aborted. A held poll returns at once with the commands, so commands run within ~1 s. */
export async function runCommandLoop(deps: CommandLoopDeps): Promise<void> {
  let failures = 0;
  while (!deps.signal.aborted) {
    if (deps.session.keyRejected) {
      // The heartbeat loop logs the rejection and re-checks; polling meanwhile would only add 401s.
      await deps.session.waitWhileRejected(REJECTED_RETRY_MS, deps.signal);
      continue;
    }
    const polled = await deps.client.pollCommands(deps.session.key, deps.signal);
    if (deps.signal.aborted) break;
    if (!polled.ok) {
      const { failure } = polled;
      if (failure.kind === 'unauthorized') {
        deps.session.markKeyRejected();
        continue;
      }
      failures++;
      const waitMs = failure.retryAfterSeconds !== undefined ? failure.retryAfterSeconds * 1000 : computeBackoffMs(failures, CONTROL_PLANE_BACKOFF);
      deps.log.warn('command poll failed', { status: failure.status, reason: failure.message, attempt: failures, waitMs });
      await sleep(waitMs, deps.signal);
      continue;
    }
    failures = 0;
    // Sequentially, in the server's order: an apply followed by a delete must not race.
    for (const command of polled.value.commands) {
      deps.log.info('command received', { commandId: command.id, type: command.type });
      const result = await executeCommand(deps, command);
      deps.log.info('command done', { commandId: command.id, type: command.type, ok: result.ok, message: result.message, durationMs: result.durationMs });
      await reportResult(deps, result);
    }
  }
}
