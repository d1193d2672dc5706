// Turns a Kubernetes log byte stream into batches of whole lines for data frames: splits on "\n",
// strips the timestamps the agent asked for on its own behalf, drops lines already sent before a
// resume, applies the viewer's filter, caps line length, and batches.
import type { LogFilter } from '../src/contract/index.ts';

/** A line longer than this is cut (with a marker) rather than buffered without bound. */
export const MAX_LINE_CHARS = 1_048_576;
export const TRUNCATION_MARKER = ' [line truncated by niro-agent]';

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/;
/** The prefix the API server puts on each line with timestamps=true (RFC 3339, usually with nanoseconds). */
const LOG_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/;

/** Orders two RFC 3339 timestamps to the nanosecond (the kubelet trims trailing zeros, so text order lies). */
export function compareLogTimestamps(a: string, b: string): number {
  const ma = RFC3339.exec(a);
  const mb = RFC3339.exec(b);
  if (ma && mb) {
    const ka = `${ma[1]}.${(ma[2] ?? '').padEnd(9, '0')}`;
    const kb = `${mb[1]}.${(mb[2] ?? '').padEnd(9, '0')}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  }
  return Date.parse(a) - Date.parse(b);
}

/** Builds the line predicate of a filter; a regex that doesn't compile is reported, not thrown. */
export function compileFilter(filter: LogFilter | undefined): { ok: true; test: ((line: string) => boolean) | null } | { ok: false; error: string } {
  if (!filter) return { ok: true, test: null };
  if (!filter.regex) {
    const needle = filter.pattern;
    return { ok: true, test: (line) => line.includes(needle) };
  }
  try {
    const regex = new RegExp(filter.pattern);
    return { ok: true, test: (line) => regex.test(line) };
  } catch (error) {
    return { ok: false, error: `invalid filter regex: ${(error as Error).message}` };
  }
}

export interface LineBatcherOptions {
  /** Lines carry a leading "<RFC 3339 timestamp> " that the agent requested (for resuming). */
  timestamped: boolean;
  /** Keep that timestamp in the output (the viewer asked for timestamps). */
  keepTimestamps: boolean;
  filter: ((line: string) => boolean) | null;
  /**
   * The first request reads a tail (tailLines): its first timestamp may be shared with lines before the
   * window, so how many lines carried it is not known.
   */
  tailWindow?: boolean;
  /** Flush once a batch reaches this many characters. */
  batchChars: number;
  /** Receives a batch: whole lines, each ended by "\n". */
  emit: (data: string, lines: number) => void;
}

export class LineBatcher {
  private partial = '';
  private discarding = false;
  private batch: string[] = [];
  private batchChars = 0;
  /** Timestamp of the newest line seen (sent or filtered out); where a resumed request picks up. */
  lastTimestamp: string | null = null;
  /**
   * How many lines stamped exactly lastTimestamp were seen (null: not known). Timestamps tie (one write of
   * several lines, a coarse clock), so "after this timestamp" alone would skip the tied lines not yet delivered.
   */
  lastTimestampLines: number | null = null;
  /** Lines at or before this timestamp are duplicates of what a previous request already delivered. */
  private skipThrough: string | null = null;
  /** Of the lines stamped exactly skipThrough, how many were delivered (null: all of them). */
  private skipThroughLines: number | null = null;
  private skippedAtStamp = 0;
  /** The next new timestamp is the first of a tail window (see LineBatcherOptions.tailWindow). */
  private windowStart: boolean;

  constructor(private readonly options: LineBatcherOptions) {
    this.windowStart = options.tailWindow ?? false;
  }

  /**
   * A new request repeats what an earlier one delivered: drop lines before `stamp`, and of the lines
   * stamped exactly `stamp` the first `lines` (all of them when null). A null stamp drops nothing.
   */
  skipUntil(stamp: string | null, lines: number | null): void {
    this.skipThrough = stamp;
    this.skipThroughLines = lines;
    this.skippedAtStamp = 0;
    // The request this prepares reads from a time (sinceTime), never from inside a run of tied lines.
    this.windowStart = false;
  }

  /** Feeds decoded text as it arrives; chunk boundaries may fall anywhere, even inside a line. */
  push(text: string): void {
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline === -1) break;
      const piece = text.slice(start, newline);
      if (this.discarding) this.discarding = false;
      else this.acceptLine(this.partial + piece);
      this.partial = '';
      start = newline + 1;
    }
    if (start < text.length && !this.discarding) {
      this.partial += text.slice(start);
      if (this.partial.length > MAX_LINE_CHARS) {
        this.acceptLine(this.partial);
        this.partial = '';
        this.discarding = true;
      }
    }
  }

  /** Emits what is batched (called by the flush timer and before the stream's final frame). */
  flush(): void {
    if (this.batch.length === 0) return;
    const lines = this.batch.length;
    const data = this.batch.join('');
    this.batch = [];
    this.batchChars = 0;
    this.options.emit(data, lines);
  }

  /** The stream is over: a last line without "\n" still counts as a line. */
  end(): void {
    if (this.partial && !this.discarding) this.acceptLine(this.partial);
    this.partial = '';
    this.discarding = false;
    this.flush();
  }

  private acceptLine(full: string): void {
    const raw = full.length > MAX_LINE_CHARS ? full.slice(0, MAX_LINE_CHARS) + TRUNCATION_MARKER : full;
    let line = raw;
    let stamp: string | null = null;
    if (this.options.timestamped) {
      const space = raw.indexOf(' ');
      const head = space > 0 ? raw.slice(0, space) : raw;
      if (LOG_TIMESTAMP.test(head)) {
        if (this.delivered(head)) return;
        stamp = head;
        if (!this.options.keepTimestamps) line = space > 0 ? raw.slice(space + 1) : '';
      }
    }
    if (this.options.filter && !this.options.filter(line)) {
      if (stamp) this.advance(stamp);
      return;
    }
    const framed = `${line}\n`;
    // Flush before counting this line: a batch leaves with the timestamp of its own last line, never of
    // the next one (a resume from there would skip that line).
    if (this.batchChars + framed.length > this.options.batchChars) this.flush();
    if (stamp) this.advance(stamp);
    this.batch.push(framed);
    this.batchChars += framed.length;
    if (this.batchChars >= this.options.batchChars) this.flush();
  }

  /** True for a line an earlier request already delivered (see skipUntil). */
  private delivered(stamp: string): boolean {
    if (this.skipThrough === null) return false;
    const order = compareLogTimestamps(stamp, this.skipThrough);
    if (order < 0) return true;
    if (order > 0) return false;
    if (this.skipThroughLines !== null && this.skippedAtStamp >= this.skipThroughLines) return false;
    this.skippedAtStamp++;
    return true;
  }

  /** Counts a line seen with `stamp`: the position a resumed request continues from. */
  private advance(stamp: string): void {
    if (stamp === this.lastTimestamp) {
      if (this.lastTimestampLines !== null) this.lastTimestampLines++;
      return;
    }
    this.lastTimestamp = stamp;
    if (this.windowStart) {
      this.windowStart = false;
      this.lastTimestampLines = null;
      return;
    }
    // The first new line at the resumed-from stamp follows the ones delivered before it.
    const tied = this.skipThrough !== null && compareLogTimestamps(stamp, this.skipThrough) === 0;
    this.lastTimestampLines = tied && this.skipThroughLines !== null ? this.skipThroughLines + 1 : 1;
  }
}
