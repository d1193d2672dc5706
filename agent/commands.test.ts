// Checks command execution: ping, refusals (unknown type, bad payload, capability missing, namespaces,
// cluster-scoped objects), server-side apply with a default namespace, delete, self-update.
import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { CommandResult, type CommandEnvelope } from '../src/contract/index.ts';
import { executeCommand, parseManifests, type CommandDeps } from './commands.ts';
import { createLogger } from './log.ts';
import { createFakeKube } from './testing/fake-kube.ts';

const APPLY_GRANT = 'patch deployments.apps';
const SELF_UPDATE_GRANT = 'patch deployments.apps';

function setup(grants: string[] = []) {
  const fake = createFakeKube({ grants: new Set(grants) });
  const deps: CommandDeps = { kube: fake.kube, log: createLogger('error', () => undefined), namespace: 'niro-system', agentVersion: '0.4.0' };
  return { deps, state: fake.state };
}

const command = (type: string, payload: unknown): CommandEnvelope => ({ id: `cmd-${type}`, type, createdAt: '2026-06-12T10:00:00Z', payload });

async function run(deps: CommandDeps, type: string, payload: unknown): Promise<CommandResult> {
  const result = await executeCommand(deps, command(type, payload));
  expect([...Value.Errors(CommandResult, result)]).toEqual([]);
  expect(result.commandId).toBe(`cmd-${type}`);
  return result;
}

const manifests = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
---
`;

describe('executeCommand', () => {
  test('ping answers pong with the version', async () => {
    const { deps } = setup();
    expect(await run(deps, 'ping', {})).toMatchObject({ ok: true, message: 'pong', details: { agentVersion: '0.4.0' } });
  });

  test('an unknown type and a bad payload are refused with a code', async () => {
    const { deps } = setup();
    expect(await run(deps, 'exec', { cmd: 'sh' })).toMatchObject({ ok: false, details: { code: 'unsupported_type' } });
    const bad = await run(deps, 'delete', { apiVersion: 'v1', kind: 'Service' });
    expect(bad).toMatchObject({ ok: false, details: { code: 'invalid_payload' } });
    expect(bad.message).toContain('/namespace');
  });

  test('apply without the capability is refused clearly and touches nothing', async () => {
    const { deps, state } = setup();
    const result = await run(deps, 'apply', { manifests });
    expect(result).toMatchObject({ ok: false, details: { code: 'capability_missing' } });
    expect(result.message).toContain('NIRO_ENABLE_APPLY=1');
    expect(state.applied).toEqual([]);
  });

  test('apply with the capability: in order, namespaced objects get the default namespace', async () => {
    const { deps, state } = setup([APPLY_GRANT]);
    const result = await run(deps, 'apply', { manifests, defaultNamespace: 'team-a' });
    expect(result).toMatchObject({ ok: true, message: 'applied 2 object(s): 2 created, 0 configured' });
    expect(state.applied.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['ConfigMap/team-a/settings', 'Deployment/shop/web']);
  });

  test('dry-run applies nothing', async () => {
    const { deps, state } = setup([APPLY_GRANT]);
    expect((await run(deps, 'apply', { manifests, dryRun: true })).message).toStartWith('validated (dry run)');
    expect(state.applied).toEqual([]);
  });

  test('malformed manifests are refused before anything is applied', async () => {
    const { deps, state } = setup([APPLY_GRANT]);
    const result = await run(deps, 'apply', { manifests: 'kind: ConfigMap\nmetadata: {name: x}\n' });
    expect(result).toMatchObject({ ok: false, details: { code: 'invalid_payload' } });
    expect(state.applied).toEqual([]);
  });

  test('namespaces are never deleted, even with every grant', async () => {
    const { deps, state } = setup([APPLY_GRANT, 'delete namespaces']);
    const result = await run(deps, 'delete', { apiVersion: 'v1', kind: 'Namespace', namespace: 'prod', name: 'prod' });
    expect(result).toMatchObject({ ok: false, details: { code: 'forbidden_target' } });
    expect(state.deleted).toEqual([]);
  });

  test('cluster-scoped objects are not deleted; namespaced ones are', async () => {
    const { deps, state } = setup([APPLY_GRANT]);
    const scoped = await run(deps, 'delete', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespace: 'x', name: 'admin' });
    expect(scoped).toMatchObject({ ok: false, details: { code: 'forbidden_target' } });
    const deleted = await run(deps, 'delete', { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' });
    expect(deleted).toMatchObject({ ok: true, message: 'deleted Deployment shop/web' });
    expect(state.deleted).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }]);
  });

  test('delete without the capability is refused', async () => {
    const { deps, state } = setup();
    expect(await run(deps, 'delete', { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' })).toMatchObject({
      ok: false,
      details: { code: 'capability_missing' },
    });
    expect(state.deleted).toEqual([]);
  });

  test('self-update patches the own Deployment only with the capability', async () => {
    const refused = setup();
    expect(await run(refused.deps, 'self-update', { image: 'niro/agent:0.5.0' })).toMatchObject({ ok: false, details: { code: 'capability_missing' } });
    expect(refused.state.patchedImages).toEqual([]);
    const allowed = setup([SELF_UPDATE_GRANT]);
    expect(await run(allowed.deps, 'self-update', { image: 'niro/agent:0.5.0' })).toMatchObject({ ok: true });
    expect(allowed.state.patchedImages).toEqual(['niro/agent:0.5.0']);
  });
});

test('parseManifests expands Lists and skips empty documents', () => {
  const parsed = parseManifests(
    '---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n---\n',
  );
  expect(parsed.ok && parsed.objects.map((o) => o.metadata.name)).toEqual(['a', 'b']);
  expect(parseManifests('a: [unclosed')).toMatchObject({ ok: false });
  expect(parseManifests('---\n')).toEqual({ ok: false, error: 'no objects in manifests' });
});

describe('protocol 8 deployments', () => {
  test('protocol 8 payloads: prune needs a deployment; a deployment delete naming a namespace is refused whole; bad fields are named', async () => {
    const { deps, state } = setup([APPLY_GRANT]);
    const prune = [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'old' }];
    const noStamp = await run(deps, 'apply', { manifests, prune });
    expect(noStamp).toMatchObject({ ok: false, details: { code: 'invalid_payload' } });
    expect(noStamp.message).toContain('payload.prune');
    expect(state.applied).toEqual([]);
    const withNamespace = await run(deps, 'delete', {
      deployment: 'd-1',
      objects: [...prune, { apiVersion: 'v1', kind: 'Namespace', namespace: 'shop', name: 'shop' }],
    });
    expect(withNamespace).toMatchObject({ ok: false, details: { code: 'forbidden_target' } });
    expect(withNamespace.message).toContain('payload.objects.1.kind');
    expect(state.deleted).toEqual([]);
    const badRef = await run(deps, 'delete', { deployment: 'd-1', objects: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x' }] });
    expect(badRef).toMatchObject({ ok: false, details: { code: 'invalid_payload' } });
    expect(badRef.message).toContain('/objects/0/namespace');
  });

  test('apply with a deployment stamps every object before it is applied', async () => {
    const { deps, state } = setup([APPLY_GRANT]);
    const result = await run(deps, 'apply', { manifests, defaultNamespace: 'shop', deployment: { id: 'd-1', revision: 4 } });
    expect(result.ok).toBe(true);
    expect(state.applied.map((o) => [o.kind, o.metadata.labels?.['niro.dev/deployment'], o.metadata.annotations?.['niro.dev/revision']])).toEqual([
      ['ConfigMap', 'd-1', '4'],
      ['Deployment', 'd-1', '4'],
    ]);
    expect(
      state.applied.every((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'niro' && o.metadata.annotations?.['niro.dev/applied-fields']),
    ).toBe(true);
  });
});
