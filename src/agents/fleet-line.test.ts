// The heartbeat lines of every replica, heard over the bus (real LISTEN/NOTIFY on the test database): the pod index
// job's replica gives way to the longest line of any replica, not just its own.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startTestApp, type TestApp } from '../testing/app';
import { HEARTBEAT_LINE_CHANNEL, parseLineWord, startFleetLine } from './fleet-line';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

async function until(done: () => boolean): Promise<void> {
  while (!done()) await Bun.sleep(5);
}

/** A replica's admission as the line sees it: every turn held, `waiting` in line. */
function lineOf(state: { waiting: number }) {
  return { stats: () => ({ held: 8, waiting: state.waiting }) };
}

test("a replica hears another's line and takes the longest; an emptied line is said once more; a silent replica drops out", async () => {
  let clock = 0;
  const a = { waiting: 0 };
  const b = { waiting: 0 };
  const lineA = await startFleetLine({ bus: t.bus, admission: lineOf(a), replicaId: 'replica-a', everyMs: 20, now: () => clock });
  const lineB = await startFleetLine({ bus: t.bus, admission: lineOf(b), replicaId: 'replica-b', everyMs: 20, now: () => clock });
  try {
    expect(lineB.longest()).toBe(0);
    a.waiting = 40;
    await until(() => lineB.longest() === 40);
    b.waiting = 7;
    expect(lineB.longest()).toBe(40);
    await until(() => lineA.longest() === 40);
    // A's line empties: it says 0 once and B is back to its own.
    a.waiting = 0;
    await until(() => lineB.longest() === 7);
    // A stops with a line (a replica that crashed): B keeps its word for three intervals of B's clock, then not.
    a.waiting = 25;
    await until(() => lineB.longest() === 25);
    await lineA.stop();
    // Notifications arrive in commit order: once B hears a word sent after A's last, it has heard all of A's.
    await t.bus.publish(HEARTBEAT_LINE_CHANNEL, JSON.stringify({ replica: 'marker', waiting: 500 }));
    await until(() => lineB.longest() === 500);
    await t.bus.publish(HEARTBEAT_LINE_CHANNEL, JSON.stringify({ replica: 'marker', waiting: 0 }));
    await until(() => lineB.longest() === 25);
    clock += 3 * 20 - 1;
    expect(lineB.longest()).toBe(25);
    clock += 2;
    expect(lineB.longest()).toBe(7);
  } finally {
    await lineA.stop();
    await lineB.stop();
  }
});

test("words that are not a replica's line are ignored", async () => {
  const b = { waiting: 3 };
  const lineB = await startFleetLine({ bus: t.bus, admission: lineOf(b), replicaId: 'replica-b2', everyMs: 20 });
  try {
    for (const bad of [
      'not json',
      '[]',
      'null',
      '{"replica":"x"}',
      '{"replica":"x","waiting":-1}',
      '{"replica":"x","waiting":1.5}',
      '{"replica":"x","waiting":1e300}',
      `{"replica":"${'x'.repeat(65)}","waiting":9}`,
      '{"replica":7,"waiting":9}',
    ])
      await t.bus.publish(HEARTBEAT_LINE_CHANNEL, bad);
    // Its own word never counts twice, however long.
    await t.bus.publish(HEARTBEAT_LINE_CHANNEL, JSON.stringify({ replica: 'replica-b2', waiting: 900 }));
    await t.bus.publish(HEARTBEAT_LINE_CHANNEL, JSON.stringify({ replica: 'marker', waiting: 4 }));
    await until(() => lineB.longest() === 4);
    expect(parseLineWord('{"replica":"r","waiting":12}')).toEqual({ replica: 'r', waiting: 12 });
  } finally {
    await lineB.stop();
  }
});
