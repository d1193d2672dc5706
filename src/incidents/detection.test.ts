// The crash-loop rule: CrashLoopBackOff, or several restarts between two beats, opens an incident;
// a single restart does not (it is on the timeline); a new pod has no previous count to compare.
import { expect, test } from 'bun:test';
import { crashLoopChanges, type ChangedPod } from './detection';

const ctx = { orgId: 'o', clusterId: 'c', environment: 'production' as const };
const pod = (over: Partial<ChangedPod>): ChangedPod => ({
  namespace: 'shop',
  name: 'web',
  status: 'Running',
  restarts: 0,
  crashLooping: false,
  lastTermination: null,
  previousRestarts: 0,
  ...over,
});

test('CrashLoopBackOff or two restarts in one interval open an incident; one restart or a new pod does not', () => {
  const { open, calm } = crashLoopChanges(ctx, [
    pod({ name: 'backoff', status: 'CrashLoopBackOff', restarts: 3, previousRestarts: 3, crashLooping: true, lastTermination: 'Error' }),
    pod({ name: 'fast', restarts: 5, previousRestarts: 3, lastTermination: 'OOMKilled' }),
    pod({ name: 'once', restarts: 1, previousRestarts: 0, lastTermination: 'OOMKilled' }),
    pod({ name: 'new', restarts: 7, previousRestarts: null }),
  ]);
  expect(open.map((i) => [i.subject, i.title])).toEqual([
    ['shop/backoff', 'Pod shop/backoff is crash-looping: in CrashLoopBackOff, last exit Error'],
    ['shop/fast', 'Pod shop/fast is crash-looping: restarted (3 → 5), last exit OOMKilled'],
  ]);
  expect(open.every((i) => i.kind === 'pod_crash_looping' && i.severity === 'high')).toBe(true);
  expect(calm).toEqual(['shop/once', 'shop/new']);
});
