// A log stream of the soak benchmark (bench/soak.ts): opened on a cluster's first running pod and followed over SSE
// for the whole run, opened again when the server ends it by its own limits.
import { makeFleetPods } from '../../src/testing/pod-fleet';
import { createSseParser } from '../../src/testing/sse';
import { podsOf } from './fleet';

export type Follower = { clusterIndex: number; lines: number; lastLineAt: number; stalled: boolean; reopens: number; reconnects: number; stop(): void };

/** What a follower needs from the run: where the server is, who it is, and where errors and timings go. */
export type FollowDeps = {
  base: string;
  auth: Record<string, string>;
  clusterId(s: number): string;
  stopping(): boolean;
  countError(kind: string, detail: string): void;
  record(kind: string, ms: number): void;
  streamEnds: Map<string, number>;
  /** When each line was sent by its agent, for its delivery time. */
  lineSentAt: Map<string, number>;
};

/** Opens a stream of cluster `s`'s first running pod and follows it over SSE until the run ends. */
export function follow(s: number, deps: FollowDeps): Follower {
  const pod = makeFleetPods(s, podsOf(s)).find((p) => p.phase === 'Running')!;
  const f: Follower = { clusterIndex: s, lines: 0, lastLineAt: performance.now(), stalled: false, reopens: 0, reconnects: 0, stop: () => {} };
  let controller: AbortController | null = null;
  let streamId: string | null = null;
  f.stop = () => {
    controller?.abort();
    if (streamId) void fetch(`${deps.base}/v1/streams/${streamId}`, { method: 'DELETE', headers: deps.auth }).catch(() => {});
  };
  void (async () => {
    // Set by the parser's callback: typed wide so the reconnect below reads it.
    let lastEventId = null as string | null;
    while (!deps.stopping()) {
      if (!streamId) {
        const t0 = performance.now();
        try {
          const res = await fetch(`${deps.base}/v1/clusters/${deps.clusterId(s)}/pods/${pod.namespace}/${pod.name}/logs`, {
            method: 'POST',
            headers: { ...deps.auth, 'content-type': 'application/json' },
            body: JSON.stringify({ tailLines: 0 }),
          });
          const text = await res.text();
          if (res.status !== 201) {
            deps.countError(`stream_open_${res.status}`, text);
            await Bun.sleep(5000);
            continue;
          }
          deps.record('stream_open', performance.now() - t0);
          streamId = (JSON.parse(text) as { streamId: string }).streamId;
          lastEventId = null;
        } catch (e) {
          if (!deps.stopping()) deps.countError('stream_open_failed', String(e));
          await Bun.sleep(5000);
          continue;
        }
      }
      controller = new AbortController();
      let ended: string | null = null;
      const parse = createSseParser((e) => {
        if (e.id !== null) lastEventId = e.id;
        if (e.event === 'lines') {
          const now = performance.now();
          for (const item of (JSON.parse(e.data) as { items: unknown[] }).items) {
            if (typeof item !== 'string') continue;
            f.lines++;
            f.lastLineAt = now;
            f.stalled = false;
            const sent = deps.lineSentAt.get(item);
            if (sent !== undefined) {
              deps.record('log_line', now - sent);
              deps.lineSentAt.delete(item);
            }
          }
        } else if (e.event === 'end') ended = (JSON.parse(e.data) as { reason: string }).reason;
        else if (e.event === 'gap') deps.countError('stream_gap', e.data);
      });
      try {
        const headers: Record<string, string> = { ...deps.auth, accept: 'text/event-stream' };
        if (lastEventId) headers['last-event-id'] = lastEventId;
        const res = await fetch(`${deps.base}/v1/streams/${streamId}`, {
          headers,
          signal: controller.signal,
        });
        if (res.status !== 200 || !res.body) {
          deps.countError(`stream_sse_${res.status}`, await res.text());
          streamId = null;
          await Bun.sleep(5000);
          continue;
        }
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parse(decoder.decode(value, { stream: true }));
        }
      } catch (e) {
        if (deps.stopping()) return;
        deps.countError('stream_sse_failed', String(e));
      }
      if (deps.stopping()) return;
      if (ended) {
        // The server ended the stream by its own limits: an orderly close, opened again as a viewer would.
        deps.streamEnds.set(ended, (deps.streamEnds.get(ended) ?? 0) + 1);
        f.reopens++;
        streamId = null;
      } else {
        // The response ended without an end event: reconnect from the last id after a second, as EventSource does.
        f.reconnects++;
        await Bun.sleep(1000);
      }
    }
  })();
  return f;
}
