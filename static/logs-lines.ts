// The log viewer's rows: queued as they arrive, put into the DOM once per animation frame as text nodes
// and spans (textContent only, never innerHTML: markup, hx-* attributes, javascript: URLs and SSE framing
// inside log lines are just characters), trimmed to the last MAX_LINES, and searched in place. Each line is
// read for its format and level on arrival (logs-structured.ts): the row is coloured by level, the level
// filter hides rows below it, and JSON records can be shown re-indented.
import { parseAnsi, plainOf, type Segment } from './logs-ansi.ts';
import { type Entry, type Internals, type LogViewer, MAX_LINES, type NewEntry, type ShownEntry } from './logs-model.ts';
import { classifyLine, isContinuation, type Level, levelRank, prettyJson } from './logs-structured.ts';

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z /;

/** The kubelet's timestamp at the start of a line when the viewer asked for timestamps, else ''. */
function stampOf(v: LogViewer, plain: string): string {
  if (!v.timestamps) return '';
  const m = TIMESTAMP.exec(plain);
  return m ? m[0] : '';
}

/** Format and level of a new line; an unleveled continuation (a stack frame) takes its record's level. */
function classify(v: LogViewer, s: Internals, entry: Entry): void {
  const body = entry.plain.slice(stampOf(v, entry.plain).length);
  const info = classifyLine(body);
  const member = entry.m ?? '';
  let level = info.level;
  if (level === null && info.format === 'text' && isContinuation(body)) level = s.lastLevel[member] ?? null;
  else s.lastLevel[member] = level;
  entry.format = info.format;
  entry.level = level;
}

/** True when the level filter hides this row; notes, gaps and ends always show. */
function filteredOut(v: LogViewer, entry: Entry): boolean {
  return v.minLevel !== '' && entry.kind === 'line' && levelRank(entry.level ?? null) < levelRank(v.minLevel);
}

/** Queues a row for the next frame; while paused, lines are held back instead (notes still show). */
export function addEntry(v: LogViewer, s: Internals, fresh: NewEntry): void {
  const entry: Entry = { ...fresh, plain: fresh.kind === 'line' ? plainOf(fresh.text) : fresh.text };
  if (entry.kind === 'line') classify(v, s, entry);
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
  countShown(v, s);
  if (s.term) collectMatches(v, s, false);
  if (v.stick) s.pane.scrollTop = s.pane.scrollHeight;
  else v.pendingBelow += batch.length;
}

function render(v: LogViewer, s: Internals, entry: Entry): HTMLElement {
  const div = document.createElement('div');
  div.className = `log-line${entry.kind === 'line' ? '' : ` log-${entry.kind}`}${entry.level ? ` lvl-${entry.level}` : ''}${filteredOut(v, entry) ? ' lvl-out' : ''}`;
  if (entry.seq !== undefined) div.dataset.seq = String(entry.seq);
  if (entry.format) div.dataset.format = entry.format;
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
  let segments: Segment[] = [{ t: entry.text, c: '' }];
  if (entry.kind === 'line') {
    segments = parseAnsi(entry.text);
    const stamp = segments[0] ? stampOf(v, segments[0].t) : '';
    if (stamp) {
      const ts = document.createElement('span');
      ts.className = 'log-ts';
      ts.textContent = stamp;
      div.appendChild(ts);
      segments[0] = { t: segments[0].t.slice(stamp.length), c: segments[0].c };
    }
    // Pretty mode re-indents a JSON record; its escape codes (if any) go, its text stays exactly as logged.
    const pretty = v.pretty && entry.format === 'json' ? prettyJson(entry.plain.slice(stamp.length)) : null;
    if (pretty) segments = pretty;
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
  // Only what the level filter lets through: a hidden row is not a place to jump to.
  s.matches = Array.from(s.box.querySelectorAll('.log-line:not(.lvl-out) mark'));
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

/** Rows the level filter lets through, for the count in the toolbar. */
function countShown(v: LogViewer, s: Internals): void {
  if (v.minLevel === '') {
    v.shownCount = s.lines.length;
    return;
  }
  let shown = 0;
  for (const e of s.lines) if (!filteredOut(v, e)) shown++;
  v.shownCount = shown;
}

/** The level filter changed: hide or show every row, recount, and keep search matches to what shows. */
export function applyLevelFilter(v: LogViewer, s: Internals): void {
  for (const e of s.lines) e.el.classList.toggle('lvl-out', filteredOut(v, e));
  countShown(v, s);
  if (s.term) collectMatches(v, s, false);
  if (v.stick && s.pane) s.pane.scrollTop = s.pane.scrollHeight;
}

/** Pretty JSON switched on or off: JSON rows are drawn again, everything else stays as it is. */
export function applyPretty(v: LogViewer, s: Internals): void {
  for (const e of s.lines) if (e.format === 'json') fill(v, s, e.el, e);
  if (s.term) collectMatches(v, s, false);
  if (v.stick && s.pane) s.pane.scrollTop = s.pane.scrollHeight;
}

/** The rows Copy and Download take: what the level filter lets through. */
export function shownEntries(v: LogViewer, s: Internals): Entry[] {
  return v.minLevel === '' ? s.lines : s.lines.filter((e) => !filteredOut(v, e));
}

/** A level name, or '' when the value is not one (the filter select's value). */
export function asMinLevel(value: string): '' | Level {
  return value === 'trace' || value === 'debug' || value === 'info' || value === 'warn' || value === 'error' || value === 'fatal' ? value : '';
}

/** Moves to the next (1) or previous (-1) match, wrapping around. */
export function jump(v: LogViewer, s: Internals, delta: number): void {
  if (!s.matches.length) return;
  s.matchIndex = (s.matchIndex + delta + s.matches.length) % s.matches.length;
  markCurrent(v, s, true);
}
