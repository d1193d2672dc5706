// The relay's payloads stay under the NOTIFY limit and decode to exactly the entries sent (long lines in parts, any characters); the buffer evicts by lines and bytes and tells a reader what it missed.
import { describe, expect, test } from 'bun:test';
import { MAX_BUS_PAYLOAD_BYTES } from '../db/bus';
import { StreamLog, type Entry, type Item } from './ring';
import { PartJoiner, encodeEntries, resumeOf, splitForJson, type DataMsg, type PartMsg, type WireEntry } from './wire';
import { LineBudget, capReached, shapeLine } from './limits';
import { testConfig } from '../testing/app';

const bytes = (s: string): number => new TextEncoder().encode(s).length;

function decode(payloads: string[]): WireEntry[] {
  const joiner = new PartJoiner();
  const out: WireEntry[] = [];
  for (const p of payloads) {
    const msg = JSON.parse(p) as DataMsg | PartMsg;
    if (msg.t === 'd') out.push(...msg.e);
    else {
      const line = joiner.add(msg);
      if (line !== null) out.push([msg.q, line]);
    }
  }
  return out;
}

const entries = (items: Item[], first = 1): Entry[] => items.map((item, i) => ({ seq: first + i, item, size: 0 }));

describe('relay payloads', () => {
  test('a resume point travels with its entry', () => {
    const sent: Entry[] = [
      { seq: 1, item: 'a', size: 0 },
      { seq: 2, item: 'b', size: 0, at: { ts: '2026-06-12T10:00:02.5Z', lines: 2 } },
      { seq: 3, item: { note: 'n' }, size: 0, at: { ts: '2026-06-12T10:00:02.5Z', lines: null } },
    ];
    const got = decode(encodeEntries('s', sent).map((p) => p.text));
    expect(got.map((e) => [e[0], e[1], resumeOf(e)])).toEqual([
      [1, 'a', undefined],
      [2, 'b', { ts: '2026-06-12T10:00:02.5Z', lines: 2 }],
      [3, { note: 'n' }, { ts: '2026-06-12T10:00:02.5Z', lines: null }],
    ]);
  });

  test('many short lines pack into few payloads, each under the limit, in order', () => {
    const items = Array.from({ length: 2000 }, (_, i) => `2026-06-12 line ${i} GET /api/v1/orders?id=${i} 200 12ms`);
    const payloads = encodeEntries('s', entries(items));
    expect(payloads.length).toBeLessThan(20);
    for (const p of payloads) expect(bytes(p.text)).toBeLessThanOrEqual(MAX_BUS_PAYLOAD_BYTES);
    expect(decode(payloads.map((p) => p.text))).toEqual(items.map((item, i) => [i + 1, item]));
    expect(payloads.at(-1)!.through).toBe(2000);
  });

  test('a 1 MB line of escapes, multi-byte text and emoji travels in parts and joins back exactly', () => {
    const chunk = 'a"b\\c\u0000\u001b[31m€😀\r\t<>é';
    const long = chunk.repeat(Math.ceil(1_048_576 / chunk.length)).slice(0, 1_048_576);
    const items: Item[] = ['before', long, { note: 'n' }, 'after'];
    const payloads = encodeEntries('stream-id', entries(items, 10));
    for (const p of payloads) expect(bytes(p.text)).toBeLessThanOrEqual(MAX_BUS_PAYLOAD_BYTES);
    expect(decode(payloads.map((p) => p.text))).toEqual(items.map((item, i) => [10 + i, item]));
    // The cursor only passes the long line once its last part is out.
    const parts = payloads.filter((p) => p.text.startsWith('{"t":"p"'));
    expect(parts.length).toBeGreaterThan(100);
    expect(parts.slice(0, -1).every((p) => p.through === 10)).toBe(true);
    expect(parts.at(-1)!.through).toBe(11);
  });

  test('splitting never cuts a surrogate pair and respects the byte budget', () => {
    const text = '😀x'.repeat(5000);
    const pieces = splitForJson(text, 1000);
    expect(pieces.join('')).toBe(text);
    for (const p of pieces) {
      expect(bytes(JSON.stringify(p)) - 2).toBeLessThanOrEqual(1000);
      expect(p.charCodeAt(p.length - 1) >= 0xd800 && p.charCodeAt(p.length - 1) <= 0xdbff).toBe(false);
    }
  });

  test('a lost part makes the joiner give up on that line (the seq check then asks again)', () => {
    const joiner = new PartJoiner();
    expect(joiner.add({ t: 'p', s: 's', q: 5, i: 0, n: 3, x: 'a' })).toBeNull();
    expect(joiner.add({ t: 'p', s: 's', q: 5, i: 2, n: 3, x: 'c' })).toBeNull();
    expect(joiner.add({ t: 'p', s: 's', q: 6, i: 0, n: 1, x: 'whole' })).toBe('whole');
  });
});

describe('stream buffer', () => {
  test('evicts the oldest by line count and by bytes, keeps the newest even when it is huge', () => {
    const log = new StreamLog({ lines: 3, bytes: 2000 });
    for (const l of ['a', 'b', 'c', 'd']) log.append(l);
    expect([log.firstSeq, log.lastSeq, log.size]).toEqual([2, 4, 3]);
    log.append('x'.repeat(5000));
    expect([log.firstSeq, log.size]).toEqual([5, 1]);
  });

  test('a reader behind the buffer is told which seqs it missed; one inside a gap gets the rest of it', () => {
    const log = new StreamLog({ lines: 2, bytes: 1 << 20 }, 100);
    log.append('a');
    log.append('b');
    log.append('c');
    expect(log.read(100)).toMatchObject({
      missed: { from: 101, to: 101 },
      entries: [
        { seq: 102, item: 'b' },
        { seq: 103, item: 'c' },
      ],
    });
    expect(log.read(103)).toEqual({ entries: [], missed: null });
    log.append({ gap: 200, reason: 'r' });
    log.append('d');
    expect(log.lastSeq).toBe(201);
    expect(log.read(150).entries.map((e) => [e.seq, e.item])).toEqual([
      [151, { gap: 200, reason: 'r' }],
      [201, 'd'],
    ]);
    expect(log.insert(201, 'dup')).toBe('dup');
    expect(log.insert(205, 'far')).toBe('missing');
    expect(log.insert(202, 'next')).toBe('ok');
  });

  test('nothing is appended after the end; waiters wake on append', async () => {
    const log = new StreamLog({ lines: 10, bytes: 1 << 20 });
    const woke = log.wait(5000);
    log.append({ end: 'done' });
    await woke;
    log.append('late');
    expect([log.lastSeq, log.ended]).toEqual([1, 'done']);
  });
});

describe('limits', () => {
  test('long lines are cut with a marker saying how much; a budget refills over time; caps name the limit', () => {
    expect(shapeLine('abcdef', 4)).toBe('abcd … [line truncated: 2 more characters]');
    expect(shapeLine('ab😀', 3)).toBe('ab … [line truncated: 2 more characters]');
    const budget = new LineBudget(2, 0);
    expect([budget.take(0), budget.take(0), budget.take(0), budget.take(0), budget.take(0)]).toEqual([true, true, true, true, false]);
    expect(budget.take(500)).toBe(true);
    const limits = { ...testConfig().streams, maxLines: 10, maxBytes: 2048 };
    expect(capReached(limits, { lines: 9, bytes: 100 })).toBeNull();
    expect(capReached(limits, { lines: 10, bytes: 100 })).toBe('line cap reached (10 lines per stream)');
    expect(capReached(limits, { lines: 1, bytes: 4096 })).toBe('byte cap reached (2 KiB per stream)');
  });
});
