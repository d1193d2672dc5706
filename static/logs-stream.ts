// The log viewer's stream: opens it through the JSON API (POST), reads it over SSE with fetch, reconnects
// with Last-Event-ID when the response ends without an end event, and turns events into rows.
import type { Internals, LogViewer } from './logs-model.ts';
import { ALL_CONTAINERS, LOG_SKIPPED_ID, MAIN_CONTAINER } from '../views/streams/viewer-ids.ts';
import { callApi, type ErrorBody, errorText, type SseEvent, sseParser } from './logs-sse.ts';

const RETRY_FIRST_MS = 500;
const RETRY_CAP_MS = 10000;
/** How often a workload tail asks the server to look for new pods of the workload. */
const TAIL_REFRESH_MS = 10000;

/** What each event's data holds (src/streams/sse.ts writes them; `m` names a workload tail's member). */
type StateData = { m?: string; state: 'live' | 'waiting' };
type MemberData = { m: string; cluster: string; pod: string; container?: string | null };
type LinesData = { m?: string; seq: number; items: (string | { note: string })[] };
type GapData = { m?: string; from: number; to: number; reason: string };
type EndData = { m?: string; seq: number; reason: string };
type EventData = { state: StateData; member: MemberData; lines: LinesData; gap: GapData; end: EndData };
/** A pod (or one container of it) a workload tail left out, and why (POST /v1/tails and its refresh). */
type Skipped = { cluster: string; namespace: string; pod: string; container: string | null; reason: string };
/** What POST …/logs (a pod) or POST /v1/tails (a workload) answers. */
type Opened = { streamId?: string; tailId?: string; skipped?: Skipped[] };

/** The request body of POST …/logs and POST /v1/tails. */
type OpenBody = {
  follow: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  filter?: { pattern: string; regex: boolean };
  container?: string;
  allContainers?: boolean;
  previous?: boolean;
  ownerKind?: string;
  ownerName?: string;
  namespace?: string;
  clusterIds?: string[];
};

/** Stops the stream the viewer holds (if any) and opens a new one with the toolbar's settings. */
export function openStream(v: LogViewer, s: Internals): void {
  disconnect(s);
  if (s.deleteUrl && !s.ended) callApi('DELETE', s.deleteUrl).catch(() => {});
  s.deleteUrl = null;
  s.streamUrl = null;
  s.lastId = null;
  s.lastSeq = {};
  s.members = {};
  s.ended = false;
  s.wasLive = false;
  clearSkipped(v, s);
  v.clearView();
  v.setState('connecting', '');
  const cfg = s.cfg;
  if (!cfg) return;
  const body: OpenBody = { follow: !!v.follow, timestamps: !!v.timestamps };
  const tail = parseInt(v.tailLines, 10);
  if (!isNaN(tail) && tail >= 0) body.tailLines = Math.min(tail, 100000);
  if (v.since) body.sinceSeconds = parseInt(v.since, 10);
  if (v.filter) body.filter = { pattern: v.filter, regex: !!v.regex };
  let url: string;
  if (cfg.mode === 'pod') {
    body.container = v.container;
    body.previous = !!v.previous;
    url = `/v1/clusters/${encodeURIComponent(cfg.clusterId)}/pods/${encodeURIComponent(cfg.namespace)}/${encodeURIComponent(cfg.pod)}/logs`;
  } else {
    body.ownerKind = cfg.ownerKind;
    body.ownerName = cfg.ownerName;
    if (cfg.namespace) body.namespace = cfg.namespace;
    if (cfg.clusterIds.length) body.clusterIds = cfg.clusterIds;
    if (v.container === ALL_CONTAINERS) body.allContainers = true;
    else if (v.container !== MAIN_CONTAINER) body.container = v.container;
    url = '/v1/tails';
  }
  const gen = s.gen;
  callApi('POST', url, body)
    .then((res) =>
      res
        .json()
        .catch(() => null)
        .then((json: (Opened & ErrorBody) | null) => {
          if (gen !== s.gen) {
            // Replaced while it was being opened: nobody will watch it, so stop it now.
            if (res.ok && json) callApi('DELETE', json.streamId ? `/v1/streams/${json.streamId}` : `/v1/tails/${json.tailId}`).catch(() => {});
            return;
          }
          if (!res.ok) {
            s.ended = true;
            v.addEntry({ kind: 'end', text: errorText(res, json) });
            v.setState('ended', errorText(res, json));
            return;
          }
          if (!json) throw new Error('the answer was not JSON');
          if (cfg.mode === 'pod') {
            s.streamUrl = `/v1/streams/${json.streamId}`;
            s.deleteUrl = s.streamUrl;
          } else {
            s.streamUrl = `/v1/tails/${json.tailId}`;
            s.deleteUrl = s.streamUrl;
            listSkipped(v, s, json.skipped ?? []);
            scheduleRefresh(v, s, `${json.tailId}`);
          }
          connect(v, s);
        }),
    )
    .catch((e: Error) => {
      if (gen !== s.gen) return;
      v.setState('ended', `could not open the stream: ${e.message}`);
    });
}

function scheduleRefresh(v: LogViewer, s: Internals, tailId: string): void {
  clearInterval(s.refreshTimer);
  const gen = s.gen;
  // New pods of the workload join the tail: the server looks at the inventory when asked.
  s.refreshTimer = window.setInterval(() => {
    if (s.ended || document.hidden) return;
    callApi('POST', `/v1/tails/${tailId}/refresh`, {})
      .then((res) => (res.ok ? res.json() : null))
      .then((json: { skipped?: Skipped[] } | null) => {
        if (json && gen === s.gen) listSkipped(v, s, json.skipped ?? []);
      })
      .catch(() => {});
  }, TAIL_REFRESH_MS);
}

/** The list of pods the tail left out, under the toolbar: each once, with its reason, as text. */
function listSkipped(v: LogViewer, s: Internals, skipped: Skipped[]): void {
  const list = document.getElementById(LOG_SKIPPED_ID);
  for (const sk of skipped) {
    const where = `${sk.cluster}/${sk.namespace}/${sk.pod}${sk.container ? `:${sk.container}` : ''}`;
    const key = `${where} ${sk.reason}`;
    if (s.skipped.has(key)) continue;
    s.skipped.add(key);
    if (!list) continue;
    const item = document.createElement('li');
    const strong = document.createElement('strong');
    strong.textContent = where;
    item.append(strong, `: ${sk.reason}`);
    item.dataset.skippedPod = `${sk.namespace}/${sk.pod}`;
    list.appendChild(item);
  }
  v.skippedCount = s.skipped.size;
}

function clearSkipped(v: LogViewer, s: Internals): void {
  s.skipped.clear();
  const list = document.getElementById(LOG_SKIPPED_ID);
  if (list) while (list.firstChild) list.removeChild(list.firstChild);
  v.skippedCount = 0;
}

/** Gives up the current connection (its callbacks see the new generation and stop). */
export function disconnect(s: Internals): void {
  s.gen++;
  if (s.ctrl) s.ctrl.abort();
  s.ctrl = null;
  clearInterval(s.refreshTimer);
}

/** Asks the server to end the stream; the end event then arrives like any other. */
export function stopStream(s: Internals): void {
  if (s.deleteUrl && !s.ended) callApi('DELETE', s.deleteUrl).catch(() => {});
}

/** Leaving the page stops the stream at once, even while the page unloads (keepalive). */
export function stopOnLeave(s: Internals): void {
  if (s.deleteUrl && !s.ended) callApi('DELETE', s.deleteUrl, undefined, true).catch(() => {});
}

function connect(v: LogViewer, s: Internals): void {
  const gen = s.gen;
  const ctrl = new AbortController();
  s.ctrl = ctrl;
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (s.lastId) headers['last-event-id'] = s.lastId;
  fetch(`${s.streamUrl}`, { headers, signal: ctrl.signal, credentials: 'same-origin', cache: 'no-store' })
    .then((res): Promise<void> | undefined => {
      if (gen !== s.gen) return;
      if (res.status === 401 || res.status === 403 || res.status === 404) {
        s.ended = true;
        v.setState('ended', res.status === 404 ? 'the stream is gone' : 'signed out');
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      const parse = sseParser((evt) => {
        if (gen !== s.gen) return;
        s.attempts = 0;
        handleEvent(v, s, evt);
      });
      const pump = (): Promise<void> =>
        reader.read().then((r) => {
          if (gen !== s.gen) return;
          if (r.done) return lost(v, s);
          parse(decoder.decode(r.value, { stream: true }));
          return pump();
        });
      return pump();
    })
    .catch(() => {
      if (gen === s.gen) lost(v, s);
    });
}

/** The response ended without an end event: the replica went away. Reconnect with Last-Event-ID. */
function lost(v: LogViewer, s: Internals): void {
  if (s.ended) return;
  v.setState('reconnecting', '');
  let wait = Math.min(RETRY_CAP_MS, RETRY_FIRST_MS * 2 ** s.attempts++);
  // Jitter: viewers of a replica that went away do not all come back in the same instant.
  wait = wait / 2 + (Math.random() * wait) / 2;
  const gen = s.gen;
  setTimeout(() => {
    if (gen === s.gen && !s.ended) connect(v, s);
  }, wait);
}

/** Each event name carries one shape (src/streams/sse.ts writes them): the name says what the data is. */
function isEvent<K extends keyof EventData>(evt: SseEvent, _data: unknown, name: K): _data is EventData[K] {
  return evt.event === name;
}

function handleEvent(v: LogViewer, s: Internals, evt: SseEvent): void {
  let d: { m?: string };
  try {
    d = JSON.parse(evt.data);
  } catch {
    return;
  }
  if (evt.id !== null) s.lastId = evt.id;
  const m = d.m === undefined ? '' : d.m;
  const member = s.members[m];
  const prefix = member ? member.prefix : '';
  if (isEvent(evt, d, 'state')) {
    if (s.ended) return;
    if (d.state === 'waiting') {
      v.setState('waiting', s.wasLive ? 'reconnecting' : '');
      return;
    }
    s.wasLive = true;
    v.setState('live', '');
  } else if (isEvent(evt, d, 'member')) {
    if (s.members[d.m]) return; // announced again after a reconnect
    s.members[d.m] = { prefix: `${d.cluster}/${d.pod}${d.container ? `:${d.container}` : ''}`, color: Object.keys(s.members).length % 8 };
    v.addEntry({ kind: 'note', text: 'joined the tail', m: d.m, prefix: s.members[d.m].prefix });
  } else if (isEvent(evt, d, 'lines')) {
    let last = s.lastSeq[m] || 0;
    for (let i = 0; i < d.items.length; i++) {
      const seq = d.seq + i;
      if (seq <= last) continue; // already shown (a reconnect overlapping what arrived)
      const item = d.items[i];
      if (typeof item === 'string') v.addEntry({ kind: 'line', text: item, seq, m, prefix });
      else v.addEntry({ kind: 'note', text: item.note, seq, m, prefix });
      last = seq;
    }
    s.lastSeq[m] = last;
  } else if (isEvent(evt, d, 'gap')) {
    s.lastSeq[m] = Math.max(s.lastSeq[m] || 0, d.to);
    v.addEntry({ kind: 'gap', text: `${d.to - d.from + 1} lines missing: ${d.reason}`, m, prefix });
  } else if (isEvent(evt, d, 'end')) {
    if (d.m !== undefined) {
      s.lastSeq[m] = Math.max(s.lastSeq[m] || 0, d.seq);
      v.addEntry({ kind: 'note', text: `stream ended: ${d.reason}`, m, prefix });
      return;
    }
    s.ended = true;
    v.addEntry({ kind: 'end', text: `stream ended: ${d.reason}` });
    v.setState('ended', d.reason);
    disconnect(s);
  }
}
