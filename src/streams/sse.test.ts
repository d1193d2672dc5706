// The SSE writer reads at the viewer's pace: a viewer that stops reading costs no memory beyond the stream's bounded buffer and, when it reads again, is told exactly which seqs it missed; ids are seqs; the end closes the response.
import { expect, test } from 'bun:test';
import { StreamLog } from './ring';
import { streamResponse } from './sse';
import type { Attachment, StreamState } from './hub';
import { checkSequence, createSseParser, type Numbered } from '../testing/sse';

function attachment(log: StreamLog, state: StreamState = 'live'): Attachment & { detached: boolean } {
  const a = { log, detached: false, state: () => state, closing: () => false, detach: () => (a.detached = true) };
  return a;
}

test('a viewer that stops reading falls behind the buffer and gets a gap event, then the rest in order', async () => {
  const log = new StreamLog({ lines: 100, bytes: 1 << 20 });
  const att = attachment(log);
  const controller = new AbortController();
  const res = streamResponse(att, 0, 'sse', controller.signal);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const entries: Numbered[] = [];
  const events: { event: string; id: string | null }[] = [];
  const parse = createSseParser((e) => {
    events.push({ event: e.event, id: e.id });
    const d = JSON.parse(e.data);
    if (e.event === 'lines') d.items.forEach((item: string, i: number) => entries.push({ seq: d.seq + i, item, at: 0 }));
    if (e.event === 'gap') entries.push({ seq: d.from, item: { gap: d }, at: 0 });
    if (e.event === 'end') entries.push({ seq: d.seq, item: { end: d.reason }, at: 0 });
  });
  const readOnce = async (): Promise<void> => {
    const { value } = await reader.read();
    if (value) parse(decoder.decode(value, { stream: true }));
  };
  await readOnce(); // the preamble
  for (let i = 1; i <= 5; i++) log.append(`early ${i}`);
  await readOnce(); // state
  await readOnce(); // five lines
  expect(entries.map((e) => e.item)).toEqual(['early 1', 'early 2', 'early 3', 'early 4', 'early 5']);
  // The viewer stops reading while 1000 lines arrive: the buffer keeps the last 100.
  for (let i = 1; i <= 1000; i++) log.append(`late ${i}`);
  expect(log.size).toBe(100);
  log.append({ end: 'done' });
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parse(decoder.decode(value, { stream: true }));
  }
  const gap = entries.find((e) => typeof e.item === 'object' && 'gap' in e.item)!;
  expect(gap.item).toEqual({ gap: { from: 6, to: 906, reason: 'no longer buffered: this viewer fell behind' } });
  expect(
    entries
      .filter((e) => typeof e.item === 'string')
      .slice(5, 7)
      .map((e) => e.item),
  ).toEqual(['late 902', 'late 903']);
  expect(entries.at(-1)!.item).toEqual({ end: 'done' });
  expect(checkSequence(entries)).toEqual({ duplicates: [], silentGaps: [], announcedGaps: 1 });
  expect(events.filter((e) => e.event !== 'state').every((e) => e.id !== null)).toBe(true);
  expect(att.detached).toBe(true);
});

test('a resume after a seq reads from there; the client going away detaches', async () => {
  const log = new StreamLog({ lines: 100, bytes: 1 << 20 });
  for (let i = 1; i <= 10; i++) log.append(`line ${i}`);
  const att = attachment(log);
  const controller = new AbortController();
  const res = streamResponse(att, 7, 'sse', controller.signal);
  const reader = res.body!.getReader();
  let text = '';
  while (!text.includes('line 10')) text += new TextDecoder().decode((await reader.read()).value);
  expect(text).toContain('id: 10\nevent: lines\ndata: {"seq":8,"items":["line 8","line 9","line 10"]}\n\n');
  expect(text).not.toContain('line 7');
  controller.abort();
  await reader.cancel();
  expect(att.detached).toBe(true);
});
