// A cluster is seeded with the troubles it is asked for and no others: none gives a healthy cluster (every pod
// Running and ready, or a completed Job), one gives exactly that trouble, the default gives every shape.
import { expect, test } from 'bun:test';
import { createCluster } from './cluster.ts';
import type { PodModel } from './objects.ts';
import { isPodReady } from './pods.ts';
import { PROBLEMS, type Problem } from './seeds.ts';

const NOW = Date.parse('2025-01-15T10:00:00Z');

function podsOf(problems: readonly Problem[], pods = 120): PodModel[] {
  const cluster = createCluster({ name: 'seeded', nodes: 3, pods, seed: 21, metrics: true, logLinesPerSecond: 0, logRingLines: 50, problems }, NOW);
  return [...cluster.pods.values()];
}

/** What is wrong with a pod, in the words of the trouble that seeds it; null for a healthy one. */
function troubleOf(pod: PodModel): string | null {
  const c = pod.containers[0];
  if (pod.deletedAt !== null) return 'stuck';
  if (pod.reason === 'Evicted') return 'evicted';
  if (pod.phase === 'Failed') return 'failed-job';
  if (pod.phase === 'Succeeded') return null;
  if (pod.phase === 'Pending') return 'waiting' in c.state && c.state.waiting.reason === 'ImagePullBackOff' ? 'imagepull' : 'pending';
  if (pod.behaviour === 'oom') return 'oom';
  if (pod.behaviour === 'crashloop') return 'crashloop';
  return isPodReady(pod) && pod.containers.every((x) => x.restartCount <= 1) ? null : 'unready';
}

test('no problems: every pod is Running and ready or a completed Job', () => {
  const troubled = podsOf([]).filter((p) => troubleOf(p) !== null);
  expect(troubled.map((p) => `${p.namespace}/${p.name}: ${troubleOf(p)}`)).toEqual([]);
});

test('one problem: that trouble and no other', () => {
  for (const problem of PROBLEMS) {
    const troubles = [
      ...new Set(
        podsOf([problem])
          .map(troubleOf)
          .filter((t) => t !== null),
      ),
    ];
    expect({ problem, troubles }).toEqual({ problem, troubles: [problem] });
  }
});

test('by default (tests), every trouble shape is there', () => {
  const troubles = new Set(podsOf(PROBLEMS).map(troubleOf));
  for (const problem of PROBLEMS) expect({ problem, present: troubles.has(problem) }).toEqual({ problem, present: true });
});
