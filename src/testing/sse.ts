// A test/benchmark client for the log stream SSE API: parses events as a browser would (id, event, data,
// retry, comments), flattens them into numbered entries, and can reconnect with Last-Event-ID.
export type SseEvent = { event: string; id: string | null; data: string };

export type StreamItem = string | { note: string } | { end: string } | { gap: { from: number; to: number; reason: string } };
export type Numbered = { seq: number; item: StreamItem; at: number };

export type SseClient = {
  events: SseEvent[];
  /** Lines, notes and ends with their seqs, plus gaps (seq = gap start), in arrival order. */
  entries: Numbered[];
  /** The id of the last event that had one (what a reconnect sends as Last-Event-ID). */
  lastEventId: string | null;
  /** Resolves once the response ended (server closed it) or the client was closed. */
  closed: Promise<void>;
  status: number;
  close(): void;
  waitFor<T>(pick: () => T | null | undefined | false, timeoutMs: number, what: string): Promise<T>;
};

/** Feeds raw SSE text; calls `emit` per complete event. Handles CRLF/CR/LF line ends like the spec. */
export function createSseParser(emit: (event: SseEvent) => void): (chunk: string) => void {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | null = null;
  let pendingCr = false;
  return (chunk) => {
    buffer += chunk;
    for (;;) {
      let end = -1;
      let skip = 1;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i];
        if (c === '\n') {
          end = i;
          break;
        }
        if (c === '\r') {
          end = i;
          skip = buffer[i + 1] === '\n' ? 2 : 1;
          if (i + 1 === buffer.length) pendingCr = true;
          break;
        }
      }
      if (end === -1) return;
      if (pendingCr && skip === 1 && end + 1 === buffer.length) return; // wait: "\r" may be the first half of "\r\n"
      pendingCr = false;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + skip);
      if (line === '') {
        if (data.length > 0 || event) emit({ event: event || 'message', id, data: data.join('\n') });
        data = [];
        event = '';
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id') id = value;
    }
  };
}

/** Opens `url` as SSE with fetch (like htmx's hx-sse and our viewer do) and collects everything. */
export function openSse(url: string, init: { headers?: Record<string, string>; lastEventId?: string | null } = {}): Promise<SseClient> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...init.headers };
  if (init.lastEventId) headers['last-event-id'] = init.lastEventId;
  const client: SseClient = {
    events: [],
    entries: [],
    lastEventId: init.lastEventId ?? null,
    status: 0,
    closed: Promise.resolve(),
    close: () => controller.abort(),
    async waitFor(pick, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = pick();
        if (value) return value as never;
        if (Date.now() > deadline)
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last events: ${JSON.stringify(client.events.slice(-5)).slice(0, 1500)}`);
        await Bun.sleep(10);
      }
    },
  };
  const parse = createSseParser((e) => {
    const at = performance.now();
    client.events.push(e);
    if (e.id !== null) client.lastEventId = e.id;
    if (e.event === 'lines') {
      const body = JSON.parse(e.data) as { seq: number; items: (string | { note: string })[] };
      body.items.forEach((item, i) => client.entries.push({ seq: body.seq + i, item, at }));
    } else if (e.event === 'gap') {
      const gap = JSON.parse(e.data) as { from: number; to: number; reason: string };
      client.entries.push({ seq: gap.from, item: { gap }, at });
    } else if (e.event === 'end') {
      const end = JSON.parse(e.data) as { seq: number; reason: string };
      client.entries.push({ seq: end.seq, item: { end: end.reason }, at });
    }
  });
  return (async () => {
    const res = await fetch(url, { headers, signal: controller.signal });
    client.status = res.status;
    if (!res.ok || !res.body) {
      client.events.push({ event: 'http-error', id: null, data: await res.text() });
      return client;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    client.closed = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parse(decoder.decode(value, { stream: true }));
        }
      } catch {
        // aborted or the server went away
      }
    })();
    return client;
  })();
}

/** Log lines only (notes, gaps and ends left out), in order. */
export function linesOf(client: Pick<SseClient, 'entries'>): string[] {
  return client.entries.filter((e) => typeof e.item === 'string').map((e) => e.item as string);
}

/**
 * Checks a sequence of entries (possibly from several connections): seqs must grow by one, except across
 * an announced gap. Returns duplicated seqs and silent holes (a jump no gap event explains).
 */
export function checkSequence(
  entries: readonly Numbered[],
  startAfter = 0,
): { duplicates: number[]; silentGaps: { from: number; to: number }[]; announcedGaps: number } {
  const duplicates: number[] = [];
  const silentGaps: { from: number; to: number }[] = [];
  let announced = 0;
  let next = startAfter + 1;
  for (const e of entries) {
    if (e.seq < next) {
      duplicates.push(e.seq);
      continue;
    }
    if (e.seq > next) silentGaps.push({ from: next, to: e.seq - 1 });
    if (typeof e.item === 'object' && 'gap' in e.item) {
      announced++;
      next = e.item.gap.to + 1;
    } else next = e.seq + 1;
  }
  return { duplicates, silentGaps, announcedGaps: announced };
}
