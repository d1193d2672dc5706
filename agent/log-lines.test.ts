// Checks log line batching: lines split across chunks, timestamps stripped or kept, resume dedupe,
// filters, batching by size, over-long lines, hostile content passed through as one line each.
import { describe, expect, test } from 'bun:test';
import { LineBatcher, MAX_LINE_CHARS, TRUNCATION_MARKER, compareLogTimestamps, compileFilter, type LineBatcherOptions } from './log-lines.ts';

function collect(options: Partial<LineBatcherOptions> = {}): { batcher: LineBatcher; frames: string[] } {
  const frames: string[] = [];
  const batcher = new LineBatcher({
    timestamped: false,
    keepTimestamps: false,
    filter: null,
    batchChars: 1_000_000,
    emit: (data) => frames.push(data),
    ...options,
  });
  return { batcher, frames };
}

describe('LineBatcher', () => {
  test('lines split anywhere across chunks come out whole', () => {
    const { batcher, frames } = collect();
    for (const chunk of ['hel', 'lo\nwor', 'ld\n', '\n', 'tail']) batcher.push(chunk);
    batcher.flush();
    expect(frames).toEqual(['hello\nworld\n\n']);
    batcher.end();
    expect(frames).toEqual(['hello\nworld\n\n', 'tail\n']);
  });

  test('timestamps requested by the agent are stripped unless the viewer asked for them', () => {
    const text = '2026-06-12T10:00:00.123456789Z GET /health 200\n2026-06-12T10:00:01Z second\n';
    const stripped = collect({ timestamped: true });
    stripped.batcher.push(text);
    stripped.batcher.end();
    expect(stripped.frames).toEqual(['GET /health 200\nsecond\n']);
    expect(stripped.batcher.lastTimestamp).toBe('2026-06-12T10:00:01Z');
    const kept = collect({ timestamped: true, keepTimestamps: true });
    kept.batcher.push(text);
    kept.batcher.end();
    expect(kept.frames).toEqual([text]);
  });

  test('after a resume, lines at or before the last seen timestamp are skipped', () => {
    const { batcher, frames } = collect({ timestamped: true });
    batcher.skipUntil('2026-06-12T10:00:01.5Z', null);
    batcher.push('2026-06-12T10:00:01Z old\n2026-06-12T10:00:01.500000000Z same\n2026-06-12T10:00:01.6Z new\n');
    batcher.end();
    expect(frames).toEqual(['new\n']);
  });

  test('lines sharing a timestamp are counted, and a resume skips exactly the ones delivered', () => {
    const first = collect({ timestamped: true });
    first.batcher.push('2026-06-12T10:00:01Z a\n2026-06-12T10:00:02Z b\n2026-06-12T10:00:02Z c\n');
    first.batcher.flush();
    expect(first.frames).toEqual(['a\nb\nc\n']);
    expect([first.batcher.lastTimestamp, first.batcher.lastTimestampLines]).toEqual(['2026-06-12T10:00:02Z', 2]);
    // The next request repeats from that second: b and c were delivered, d shares their timestamp and was not.
    const resumed = collect({ timestamped: true });
    resumed.batcher.skipUntil('2026-06-12T10:00:02Z', 2);
    resumed.batcher.push('2026-06-12T10:00:02Z b\n2026-06-12T10:00:02Z c\n2026-06-12T10:00:02Z d\n2026-06-12T10:00:03Z e\n');
    resumed.batcher.end();
    expect(resumed.frames).toEqual(['d\ne\n']);
    resumed.batcher.skipUntil('2026-06-12T10:00:02Z', 2);
    resumed.batcher.push('2026-06-12T10:00:02Z b\n2026-06-12T10:00:02Z c\n2026-06-12T10:00:02Z d\n');
    resumed.batcher.flush();
    expect([resumed.batcher.lastTimestamp, resumed.batcher.lastTimestampLines]).toEqual(['2026-06-12T10:00:02Z', 3]);
  });

  test('the first timestamp of a tail may be shared with lines before it: its count is not known', () => {
    const { batcher } = collect({ timestamped: true, tailWindow: true });
    batcher.push('2026-06-12T10:00:01Z a\n2026-06-12T10:00:01Z b\n');
    expect([batcher.lastTimestamp, batcher.lastTimestampLines]).toEqual(['2026-06-12T10:00:01Z', null]);
    batcher.push('2026-06-12T10:00:02Z c\n');
    expect([batcher.lastTimestamp, batcher.lastTimestampLines]).toEqual(['2026-06-12T10:00:02Z', 1]);
  });

  test('a batch flushed at the size limit carries the timestamp of its own last line, not the next one', () => {
    const sent: [string, string | null, number | null][] = [];
    const batcher: LineBatcher = new LineBatcher({
      timestamped: true,
      keepTimestamps: false,
      filter: null,
      batchChars: 10,
      emit: (data) => sent.push([data, batcher.lastTimestamp, batcher.lastTimestampLines]),
    });
    batcher.push('2026-06-12T10:00:01Z aaaa\n2026-06-12T10:00:02Z bbbb\n2026-06-12T10:00:03Z cc\n');
    batcher.end();
    expect(sent).toEqual([
      ['aaaa\nbbbb\n', '2026-06-12T10:00:02Z', 1],
      ['cc\n', '2026-06-12T10:00:03Z', 1],
    ]);
  });

  test('the filter sees the line without its timestamp', () => {
    const filter = compileFilter({ pattern: '^ERROR', regex: true });
    if (!filter.ok) throw new Error(filter.error);
    const { batcher, frames } = collect({ timestamped: true, filter: filter.test });
    batcher.push('2026-06-12T10:00:00Z ERROR db down\n2026-06-12T10:00:01Z INFO ok\n');
    batcher.end();
    expect(frames).toEqual(['ERROR db down\n']);
    expect(batcher.lastTimestamp).toBe('2026-06-12T10:00:01Z');
  });

  test('batches flush at the size limit; an over-size line travels alone', () => {
    const { batcher, frames } = collect({ batchChars: 10 });
    batcher.push('aaaa\nbbbb\ncccccccccccccccc\ndd\n');
    batcher.end();
    expect(frames).toEqual(['aaaa\nbbbb\n', 'cccccccccccccccc\n', 'dd\n']);
  });

  test('a line longer than the limit is cut once, with a marker', () => {
    const { batcher, frames } = collect();
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 20; i++) batcher.push(chunk);
    batcher.push('\nnext\n');
    batcher.end();
    const lines = frames.join('').split('\n');
    expect(lines[0]!.length).toBe(MAX_LINE_CHARS + TRUNCATION_MARKER.length);
    expect(lines[0]!.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(lines.slice(1)).toEqual(['next', '']);
  });

  test('hostile content stays one line each', () => {
    const { batcher, frames } = collect();
    const hostile = ['<script>alert(1)</script>', 'a\rb', 'data: x', '\u0000nul', '\u001b[31mred\u001b[0m'];
    batcher.push(hostile.join('\n') + '\n');
    batcher.end();
    expect(frames.join('').split('\n').slice(0, -1)).toEqual(hostile);
  });
});

test('filters: substring, regex, invalid regex', () => {
  const substring = compileFilter({ pattern: 'a.b', regex: false });
  expect(substring.ok && substring.test!('xa.by') && !substring.test!('axb')).toBe(true);
  const regex = compileFilter({ pattern: 'a.b', regex: true });
  expect(regex.ok && regex.test!('axb')).toBe(true);
  expect(compileFilter({ pattern: '(', regex: true })).toMatchObject({ ok: false });
  expect(compileFilter(undefined)).toEqual({ ok: true, test: null });
});

test('timestamps compare to the nanosecond despite trimmed zeros', () => {
  expect(compareLogTimestamps('2026-06-12T10:00:00.5Z', '2026-06-12T10:00:00.123456789Z')).toBe(1);
  expect(compareLogTimestamps('2026-06-12T10:00:00Z', '2026-06-12T10:00:00.000000000Z')).toBe(0);
  expect(compareLogTimestamps('2026-06-12T09:59:59.999Z', '2026-06-12T10:00:00Z')).toBe(-1);
});
