// Niro log viewer: the Alpine component behind views/streams/viewer.tsx's toolbar and pane. The stream
// itself (open, SSE, reconnect) is logs-stream.ts; the rows (render, trim, search) are logs-lines.ts;
// ANSI colours are logs-ansi.ts. The DOM keeps the last MAX_LINES lines so a chatty pod never freezes the tab.
// Bundled by src/http/assets.ts (with the files it imports) into one classic script.
// Types only: the page loads Alpine's CSP build (@alpinejs/csp, which ships no types); it is the same Alpine
// object with an expression reader that runs no eval, so this file uses nothing the CSP build lacks.
import type { Alpine } from 'alpinejs';
import type { ViewerConfig } from '../views/streams/viewer.tsx';
import { parseAnsi } from './logs-ansi.ts';
import { addEntry, applyLevelFilter, applyPretty, asMinLevel, jump, runSearch, scheduleFlush, shownEntries } from './logs-lines.ts';
import { type ConnState, MAX_LINES, type NewEntry, newInternals, type ViewerFields } from './logs-model.ts';
import { openStream, stopOnLeave, stopStream } from './logs-stream.ts';
import { STREAM_ENDED_EVENT } from '../views/streams/viewer-ids.ts';

declare global {
  interface Window {
    /** Set by Alpine's own script, which may run before or after this one (see the end of this file). */
    Alpine?: Alpine;
    /** The ANSI parser alone, for tests and the console. */
    niroParseAnsi?: typeof parseAnsi;
  }
}

function registerViewer(alpine: Alpine): void {
  alpine.data('logViewer', () => {
    const s = newInternals();
    const fields: ViewerFields = {
      state: 'connecting',
      reason: '',
      container: '',
      follow: true,
      tailLines: '500',
      since: '',
      previous: false,
      timestamps: false,
      wrap: false,
      minLevel: '',
      pretty: false,
      filter: '',
      regex: false,
      paused: false,
      buffered: 0,
      copied: false,
      search: '',
      searchLabel: '',
      matchCount: 0,
      lineCount: 0,
      shownCount: 0,
      droppedOld: 0,
      maxLines: MAX_LINES,
      stick: true,
      pendingBelow: 0,
      skippedCount: 0,
    };

    return {
      ...fields,

      get stateLabel(): string {
        if (this.state === 'live') return 'live';
        if (this.state === 'waiting') return this.reason === 'reconnecting' ? 'reconnecting to the cluster…' : 'waiting for the cluster’s agent…';
        if (this.state === 'reconnecting') return 'reconnecting…';
        if (this.state === 'ended') return `ended${this.reason ? `: ${this.reason}` : ''}`;
        return 'connecting…';
      },
      get countLabel(): string {
        const all = this.lineCount + (this.lineCount === 1 ? ' line' : ' lines');
        return this.minLevel === '' ? all : `${this.shownCount} of ${all}`;
      },
      // Labels with numbers in them live here, not in the markup: Alpine's CSP build reads no template literals.
      get pauseLabel(): string {
        return this.paused ? `Resume (${this.buffered} new)` : 'Pause';
      },
      get droppedLabel(): string {
        return `${this.droppedOld} older lines dropped: the view keeps the last ${this.maxLines}. Download or narrow with Since/Tail to see them.`;
      },
      get latestLabel(): string {
        return this.pendingBelow ? `↓ Latest (${this.pendingBelow} new)` : '↓ Latest';
      },
      get skippedLabel(): string {
        return `${this.skippedCount} ${this.skippedCount === 1 ? 'pod' : 'pods'} not in the tail — why`;
      },
      /** Live and nothing shown yet: say what the quiet means instead of an empty pane. */
      get showEmpty(): boolean {
        return this.lineCount === 0 && (this.state === 'live' || this.state === 'waiting');
      },
      get emptyLabel(): string {
        if (this.filter) return `No line matched “${this.filter}” yet: the agent sends only matching lines; the others never leave the cluster.`;
        return this.follow
          ? 'No lines yet: the container has written nothing in the window asked for; new lines show up here.'
          : 'No lines in the window asked for.';
      },
      get hasPrevious(): boolean {
        if (!s.cfg || s.cfg.mode !== 'pod') return false;
        const name = this.container;
        const c = s.cfg.containers.find((x) => x.name === name);
        return !!c && (c.restarts > 0 || !!c.lastTerminationReason || this.previous);
      },

      init(): void {
        const cfg: ViewerConfig = JSON.parse(this.$el.dataset.config ?? '');
        s.cfg = cfg;
        s.pane = this.$refs.pane;
        s.box = this.$el.querySelector<HTMLElement>('#log-lines');
        this.follow = cfg.follow;
        this.tailLines = String(cfg.tailLines);
        this.timestamps = cfg.timestamps;
        this.container = cfg.container;
        if (cfg.mode === 'pod') this.previous = cfg.previous;
        // Leaving the page stops the stream at once (the server would also end it once nobody watches).
        window.addEventListener('pagehide', () => stopOnLeave(s));
        this.restart();
      },

      // ── stream ──
      restart(): void {
        openStream(this, s);
      },
      stop(): void {
        stopStream(s);
      },
      setState(state: ConnState, reason: string): void {
        const ended = state === 'ended' && this.state !== 'ended';
        this.state = state;
        this.reason = reason;
        // A pod's stream that ended may mean the pod is gone (a rollout replaced it): the page asks and says so.
        if (ended && s.cfg?.mode === 'pod') document.body.dispatchEvent(new CustomEvent(STREAM_ENDED_EVENT));
      },
      addEntry(entry: NewEntry): void {
        addEntry(this, s, entry);
      },

      // ── toolbar ──
      togglePause(): void {
        this.paused = !this.paused;
        if (this.paused) return;
        if (s.heldDropped > 0) this.addEntry({ kind: 'gap', text: `${s.heldDropped} lines dropped while paused (the pause buffer keeps ${MAX_LINES})` });
        for (const held of s.held) s.queued.push(held);
        s.held = [];
        s.heldDropped = 0;
        this.buffered = 0;
        scheduleFlush(this, s);
      },

      /** The level select changed (x-model gives its string): rows below the level hide, the rest show. */
      levelChanged(): void {
        this.minLevel = asMinLevel(this.minLevel);
        applyLevelFilter(this, s);
      },

      prettyChanged(): void {
        applyPretty(this, s);
      },

      togglePrevious(): void {
        this.previous = !this.previous;
        this.follow = !this.previous;
        this.restart();
      },

      clearView(): void {
        s.lines = [];
        s.queued = [];
        s.held = [];
        s.heldDropped = 0;
        s.matches = [];
        s.matchIndex = -1;
        s.lastLevel = {};
        if (s.box) while (s.box.firstChild) s.box.removeChild(s.box.firstChild);
        this.buffered = 0;
        this.lineCount = 0;
        this.shownCount = 0;
        this.droppedOld = 0;
        this.pendingBelow = 0;
        this.matchCount = 0;
        this.searchLabel = '';
      },

      /** What Copy and Download take: the rows kept that the level filter shows, as logged (never re-indented), notes marked with '#'. */
      bufferText(): string {
        return `${shownEntries(this, s)
          .map((e) => (e.prefix ? `${e.prefix} ` : '') + (e.kind === 'line' ? e.plain : `# ${e.plain}`))
          .join('\n')}\n`;
      },

      copyAll(): void {
        const text = this.bufferText();
        const done = (): void => {
          this.copied = true;
          setTimeout(() => {
            this.copied = false;
          }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, () => {});
          return;
        }
        // Plain http: the Clipboard API is missing, the old copy command still works on a selected textarea.
        const area = document.createElement('textarea');
        area.value = text;
        area.setAttribute('readonly', '');
        area.style.position = 'fixed';
        area.style.opacity = '0';
        document.body.appendChild(area);
        area.select();
        try {
          document.execCommand('copy');
          done();
        } catch {}
        area.remove();
      },

      download(): void {
        const cfg = s.cfg;
        if (!cfg) return;
        const name = cfg.mode === 'pod' ? `${cfg.pod}-${this.container}` : cfg.ownerName;
        const blob = new Blob([this.bufferText()], { type: 'text/plain;charset=utf-8' });
        const a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.log`;
        document.body.appendChild(a);
        a.click();
        setTimeout(() => {
          URL.revokeObjectURL(a.href);
          a.remove();
        }, 1000);
      },

      onScroll(): void {
        const p = s.pane;
        if (!p) return;
        const atBottom = p.scrollHeight - p.scrollTop - p.clientHeight < 40;
        if (atBottom !== this.stick) this.stick = atBottom;
        if (atBottom) this.pendingBelow = 0;
      },

      toLatest(): void {
        this.stick = true;
        this.pendingBelow = 0;
        if (s.pane) s.pane.scrollTop = s.pane.scrollHeight;
      },

      // ── search ──
      runSearch(): void {
        runSearch(this, s);
      },
      jump(delta: number): void {
        jump(this, s, delta);
      },
      /** The agent-side filter form: applying it restarts the stream instead of navigating. */
      submitFilter(evt: SubmitEvent): void {
        evt.preventDefault();
        this.restart();
      },
      searchKey(evt: KeyboardEvent): void {
        if (evt.key === 'Enter') {
          evt.preventDefault();
          this.jump(evt.shiftKey ? -1 : 1);
        } else if (evt.key === 'Escape') {
          this.search = '';
          this.runSearch();
        }
      },
    };
  });
}

// Alpine fires alpine:init once it is on window, before it walks the page.
if (window.Alpine) registerViewer(window.Alpine);
else
  document.addEventListener('alpine:init', () => {
    if (window.Alpine) registerViewer(window.Alpine);
  });

window.niroParseAnsi = parseAnsi;
