// What the log viewer's parts share: the rows it shows, the state it keeps outside Alpine, and the
// component as the parts see it. Types only, plus the one limit they agree on.
import type { ViewerConfig } from '../views/streams/viewer.tsx';
import type { Level, LineFormat } from './logs-structured.ts';

/** Lines the DOM keeps (older ones are dropped, and counted) and lines a pause holds back. */
export const MAX_LINES = 5000;

export type ConnState = 'connecting' | 'waiting' | 'live' | 'reconnecting' | 'ended';

/** A row before it is shown. `m` names the workload tail's member it came from ('' or absent for one pod). */
export type NewEntry = { kind: 'line' | 'note' | 'gap' | 'end'; text: string; seq?: number; m?: string; prefix?: string };

/**
 * A row with its text stripped of escape sequences (what search, copy and download see). Lines also carry their
 * format and level (logs-structured.ts); an unleveled line that continues a record (a stack frame) has the
 * record's level.
 */
export type Entry = NewEntry & { plain: string; marked?: boolean; format?: LineFormat; level?: Level | null };

/** A row in the DOM, with the element that shows it. */
export type ShownEntry = Entry & { el: HTMLElement };

/** A member of a workload tail: the prefix its lines carry and the colour (0–7) of that prefix. */
export type Member = { prefix: string; color: number };

/**
 * Non-reactive state: thousands of lines must not go through Alpine's proxies. `cfg`, `pane` and `box`
 * are set by init(), before anything else runs.
 */
export type Internals = {
  cfg: ViewerConfig | null;
  pane: HTMLElement | null;
  box: HTMLElement | null;
  lines: ShownEntry[];
  queued: Entry[];
  held: Entry[];
  heldDropped: number;
  frame: number;
  streamUrl: string | null;
  deleteUrl: string | null;
  lastId: string | null;
  /** Bumped whenever the current connection is given up: callbacks of an older one see it and stop. */
  gen: number;
  ctrl: AbortController | null;
  attempts: number;
  ended: boolean;
  /** The stream has been live: waiting after that means the cluster's agent went away and is coming back. */
  wasLive: boolean;
  lastSeq: Record<string, number>;
  members: Record<string, Member>;
  /** Level of the last record of each member ('' for one pod), which its continuation lines take. */
  lastLevel: Record<string, Level | null>;
  /** The search term, lower-cased; '' when not searching. */
  term: string;
  matches: HTMLElement[];
  matchIndex: number;
  refreshTimer: number;
  /** Keys of the workload tail's skipped pods already listed (a refresh reports them again). */
  skipped: Set<string>;
};

export function newInternals(): Internals {
  return {
    cfg: null,
    pane: null,
    box: null,
    lines: [],
    queued: [],
    held: [],
    heldDropped: 0,
    frame: 0,
    streamUrl: null,
    deleteUrl: null,
    lastId: null,
    gen: 0,
    ctrl: null,
    attempts: 0,
    ended: false,
    wasLive: false,
    lastSeq: {},
    members: {},
    lastLevel: {},
    term: '',
    matches: [],
    matchIndex: -1,
    refreshTimer: 0,
    skipped: new Set(),
  };
}

/** The component's reactive fields: what the toolbar binds to (views/streams/viewer.tsx). */
export type ViewerFields = {
  state: ConnState;
  /** Why it ended; while waiting, 'reconnecting' when the stream had been live. */
  reason: string;
  container: string;
  follow: boolean;
  tailLines: string;
  since: string;
  previous: boolean;
  timestamps: boolean;
  wrap: boolean;
  /** The level filter: '' shows every row, a level hides lines below it (and lines with no level). */
  minLevel: '' | Level;
  /** JSON lines shown re-indented. */
  pretty: boolean;
  filter: string;
  regex: boolean;
  paused: boolean;
  buffered: number;
  copied: boolean;
  search: string;
  searchLabel: string;
  matchCount: number;
  lineCount: number;
  /** Rows the level filter lets through (lineCount when there is no filter). */
  shownCount: number;
  droppedOld: number;
  maxLines: number;
  stick: boolean;
  pendingBelow: number;
  /** Pods (or containers) a workload tail left out; listed under the toolbar. */
  skippedCount: number;
};

/** The component as the stream and line code see it: its fields and the methods they call back. */
export type LogViewer = ViewerFields & {
  setState(state: ConnState, reason: string): void;
  addEntry(entry: NewEntry): void;
  clearView(): void;
};
