// The list queue the agent's collections share: lists take turns in the order asked (the second starts only when the
// first ended), and a failed list does not hold up the next.
import { expect, test } from 'bun:test';
import { createListQueue } from './watch-loop.ts';

test('lists run one at a time, in order; a failure lets the next one run', async () => {
  const queue = createListQueue();
  const started: string[] = [];
  const release: Record<string, () => void> = {};
  const list =
    (name: string, fail = false) =>
    () =>
      new Promise<string>((resolve, reject) => {
        started.push(name);
        release[name] = () => (fail ? reject(new Error(`${name} failed`)) : resolve(name));
      });
  const pods = queue.run(list('pods', true));
  const nodes = queue.run(list('nodes'));
  const events = queue.run(list('events'));
  await Bun.sleep(0);
  expect(started).toEqual(['pods']);
  release.pods!();
  await expect(pods).rejects.toThrow('pods failed');
  await Bun.sleep(0);
  expect(started).toEqual(['pods', 'nodes']);
  release.nodes!();
  expect(await nodes).toBe('nodes');
  await Bun.sleep(0);
  expect(started).toEqual(['pods', 'nodes', 'events']);
  release.events!();
  expect(await events).toBe('events');
});
