// The log viewer's rows: queued as they arrive, put into the DOM once per animation frame as text nodes
// and spans (textContent only, never innerHTML: markup, hx-* attributes, javascript: URLs and SSE framing
// inside log lines are just characters), trimmed to the last MAX_LINES, and searched in place.
import { parseAnsi, plainOf, type Segment } from './logs-ansi.ts';
import { type Entry, type Internals, type LogViewer, MAX_LINES, type NewEntry, type ShownEntry } from './logs-model.ts';

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z /;

/** Queues a row for the next frame; while paused, lines are held back instead (notes still show). */
export function addEntry(v: LogViewer, s: Internals, fresh: NewEntry): void {
  const entry: Entry = { ...fresh, plain: fresh.kind === 'line' ? plainOf(fresh.text) : fresh.text };
  if (v.paused && entry.kind === 'line') {
    s.held.push(entry);
    if (s.held.length > MAX_LINES) {
      s.held.shift();
      s.heldDropped++;
    }
    v.buffered = s.held.length + s.heldDropped;
    return;
  }
  s.queued.push(entry);
  scheduleFlush(v, s);
}

/** One DOM update per animation frame, however many rows arrived. */
export function scheduleFlush(v: LogViewer, s: Internals): void {
  if (s.frame) return;
  s.frame = requestAnimationFrame(() => {
    s.frame = 0;
    flush(v, s);
  });
}

function flush(v: LogViewer, s: Internals): void {
  if (s.queued.length === 0 || !s.box || !s.pane) return;
  let batch = s.queued;
  s.queued = [];
  if (batch.length > MAX_LINES) {
    v.droppedOld += batch.length - MAX_LINES;
    batch = batch.slice(batch.length - MAX_LINES);
  }
  const frag = document.createDocumentFragment();
  for (const entry of batch) {
    const shown: ShownEntry = Object.assign(entry, { el: render(v, s, entry) });
    frag.appendChild(shown.el);
    s.lines.push(shown);
  }
  s.box.appendChild(frag);
  const excess = s.lines.length - MAX_LINES;
  if (excess > 0) {
    for (const gone of s.lines.splice(0, excess)) gone.el.remove();
    v.droppedOld += excess;
  }
  v.lineCount = s.lines.length;
  if (s.term) collectMatches(v, s, false);
  if (v.stick) s.pane.scrollTop = s.pane.scrollHeight;
  else v.pendingBelow += batch.length;
}

function render(v: LogViewer, s: Internals, entry: Entry): HTMLElement {
  const div = document.createElement('div');
  div.className = `log-line${entry.kind === 'line' ? '' : ` log-${entry.kind}`}`;
  if (entry.seq !== undefined) div.dataset.seq = String(entry.seq);
  fill(v, s, div, entry);
  return div;
}

/** The row's content as text nodes and spans; search matches wrapped in <mark>. */
function fill(v: LogViewer, s: Internals, div: HTMLElement, entry: Entry): void {
  while (div.firstChild) div.removeChild(div.firstChild);
  if (entry.prefix) {
    const p = document.createElement('span');
    const owner = s.members[entry.m ?? ''];
    p.className = `log-prefix member-${owner ? owner.color : 0}`;
    p.textContent = entry.prefix;
    div.appendChild(p);
  }
  const segments: Segment[] = entry.kind === 'line' ? parseAnsi(entry.text) : [{ t: entry.text, c: '' }];
  const stamp = entry.kind === 'line' && v.timestamps && segments[0] ? TIMESTAMP.exec(segments[0].t) : null;
  if (stamp) {
    const ts = document.createElement('span');
    ts.className = 'log-ts';
    ts.textContent = stamp[0];
    div.appendChild(ts);
    segments[0] = { t: segments[0].t.slice(stamp[0].length), c: segments[0].c };
  }
  const term = s.term;
  for (const seg of segments) {
    let host: HTMLElement = div;
    if (seg.c) {
      host = document.createElement('span');
      host.className = seg.c;
      div.appendChild(host);
    }
    if (!term) {
      host.appendChild(document.createTextNode(seg.t));
      continue;
    }
    const lower = seg.t.toLowerCase();
    let at = 0;
    let k: number;
    while ((k = lower.indexOf(term, at)) !== -1) {
      if (k > at) host.appendChild(document.createTextNode(seg.t.slice(at, k)));
      const mark = document.createElement('mark');
      mark.textContent = seg.t.slice(k, k + term.length);
      host.appendChild(mark);
      at = k + term.length;
    }
    if (at < seg.t.length) host.appendChild(document.createTextNode(seg.t.slice(at)));
  }
  entry.marked = !!term && entry.plain.toLowerCase().indexOf(term) !== -1;
}

/** Re-highlights after the search box changed and jumps to the last match. */
export function runSearch(v: LogViewer, s: Internals): void {
  s.term = v.search.toLowerCase();
  for (const e of s.lines) {
    const has = !!s.term && e.plain.toLowerCase().indexOf(s.term) !== -1;
    if (has || e.marked) fill(v, s, e.el, e);
  }
  collectMatches(v, s, true);
}

function collectMatches(v: LogViewer, s: Internals, jumpToLast: boolean): void {
  if (!s.term || !s.box) {
    s.matches = [];
    s.matchIndex = -1;
    v.matchCount = 0;
    v.searchLabel = '';
    return;
  }
  const current = s.matches[s.matchIndex];
  // Lines that arrived since the last search get their highlight too.
  for (const e of s.lines) {
    if (!e.marked && e.plain.toLowerCase().indexOf(s.term) !== -1) fill(v, s, e.el, e);
  }
  s.matches = Array.from(s.box.querySelectorAll('mark'));
  v.matchCount = s.matches.length;
  if (jumpToLast || s.matchIndex < 0) s.matchIndex = s.matches.length ? s.matches.length - 1 : -1;
  else s.matchIndex = Math.max(0, s.matches.indexOf(current));
  markCurrent(v, s, jumpToLast);
}

function markCurrent(v: LogViewer, s: Internals, scroll: boolean): void {
  for (let i = 0; i < s.matches.length; i++) s.matches[i].classList.toggle('current', i === s.matchIndex);
  v.searchLabel = s.matches.length ? `${s.matchIndex + 1} / ${s.matches.length}` : 'no match';
  const m = s.matches[s.matchIndex];
  if (scroll && m) {
    v.stick = false;
    m.scrollIntoView({ block: 'center' });
  }
}

/** Moves to the next (1) or previous (-1) match, wrapping around. */
export function jump(v: LogViewer, s: Internals, delta: number): void {
  if (!s.matches.length) return;
  s.matchIndex = (s.matchIndex + delta + s.matches.length) % s.matches.length;
  markCurrent(v, s, true);
}
