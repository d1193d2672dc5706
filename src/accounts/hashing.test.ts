// The hashing gate: never more than its slots at once, a bounded queue for sign-ins, unbounded waiting for the rest.
import { expect, test } from 'bun:test';
import { createHashGate } from './hashing';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('at most `concurrency` run at once; the rest wait their turn in order', async () => {
  const gate = createHashGate({ concurrency: 2, queue: 10 });
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const gates = Array.from({ length: 6 }, deferred);
  const all = gates.map((d, i) =>
    gate.run(async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await d.promise;
      running--;
    }),
  );
  expect(gate.active).toBe(2);
  expect(gate.waiting).toBe(4);
  for (const d of gates) d.resolve();
  await Promise.all(all);
  expect(peak).toBe(2);
  expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  expect(gate.active).toBe(0);
});

test('tryRun refuses at once when the slots and the queue are full, and is admitted again once they drain', async () => {
  const gate = createHashGate({ concurrency: 1, queue: 2 });
  const hold = deferred();
  const first = gate.tryRun(() => hold.promise);
  const queued = [gate.tryRun(async () => 'a'), gate.tryRun(async () => 'b')];
  expect(await gate.tryRun(async () => 'c')).toEqual({ ok: false });
  hold.resolve();
  expect(await first).toEqual({ ok: true, value: undefined });
  expect(await Promise.all(queued)).toEqual([
    { ok: true, value: 'a' },
    { ok: true, value: 'b' },
  ]);
  expect(await gate.tryRun(async () => 'd')).toEqual({ ok: true, value: 'd' });
});

test('a failing task frees its slot', async () => {
  const gate = createHashGate({ concurrency: 1, queue: 0 });
  await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(await gate.tryRun(async () => 1)).toEqual({ ok: true, value: 1 });
});
