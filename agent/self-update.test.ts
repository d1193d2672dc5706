// The agent acts on a heartbeat answer's `update` against the Kubernetes simulator: nothing without the self-update role, its own Deployment patched once per image with it (the object kubectl sees changes, the simulator replaces the pod), nothing when already on the version.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startSimulator, type Simulator } from '../sim/index.ts';
import type { Capabilities } from '../src/contract/index.ts';
import { detectCapabilities } from './collect/capabilities.ts';
import type { KubeApi } from './kube-api.ts';
import { createKube } from './kube.ts';
import { createLogger } from './log.ts';
import { applyUpdateRequest, type SelfUpdateDeps, type SelfUpdateMemory } from './self-update.ts';

const IMAGE = 'ghcr.io/niro/niro-agent:9.9.9';
let sim: Simulator;
let kube: KubeApi;
const lines: string[] = [];
let deps: SelfUpdateDeps;

beforeAll(async () => {
  sim = await startSimulator({ name: 'self-update', nodes: 1, pods: 12, tickMs: 0, evolve: false, logLinesPerSecond: 0 });
  kube = createKube({ kubeconfig: sim.kubeconfigPath, env: {} });
  deps = { kube, log: createLogger('debug', (line) => lines.push(line)), namespace: 'niro-system', agentVersion: '0.1.0' };
});
afterAll(async () => {
  await sim.stop();
});

const deployedImage = (): string =>
  (sim.get('apps/deployments', 'niro-system', 'niro-agent') as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template
    .spec.containers[0]!.image;
const capabilities = (): Promise<Capabilities> => detectCapabilities(kube, 'niro-system', true);

test('without the self-update role nothing is patched; with it, the Deployment rolls to the image once', async () => {
  const memory: SelfUpdateMemory = { patchedImage: null };
  const before = deployedImage();
  const update = { image: IMAGE, version: '9.9.9' };
  expect(await applyUpdateRequest(deps, memory, await capabilities(), update)).toBe('capability-off');
  expect(deployedImage()).toBe(before);

  sim.setRbac({ selfUpdate: true });
  const caps = await capabilities();
  expect(caps.selfUpdate.enabled).toBe(true);
  expect(await applyUpdateRequest(deps, memory, caps, update)).toBe('patched');
  expect(deployedImage()).toBe(IMAGE);
  // The next beats, while the new pod starts, do not patch again.
  expect(await applyUpdateRequest(deps, memory, caps, update)).toBe('already-patched');
  expect(lines.filter((l) => l.includes('self-update: deployment patched'))).toHaveLength(1);

  // The simulator replaces the agent's pod with one on the new image.
  sim.tick(2);
  const pods = sim.list('pods', 'niro-system').filter((p) => p.metadata.name.startsWith('niro-agent-'));
  expect(pods).toHaveLength(1);
  expect((pods[0]!.spec as { containers: { image: string }[] }).containers.map((c) => c.image)).toEqual([IMAGE]);

  // An agent already on the version, or an answer without `update`, does nothing.
  expect(await applyUpdateRequest({ ...deps, agentVersion: '9.9.9' }, { patchedImage: null }, caps, update)).toBe('same-version');
  expect(await applyUpdateRequest(deps, { patchedImage: null }, caps, undefined)).toBe('none');
});
