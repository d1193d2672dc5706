// Structured log lines: what format a line is in (JSON, logfmt, klog, or plain text), what level it was logged
// at, and a JSON record re-indented for reading. Pure functions over untrusted text: nothing here builds markup,
// every input is bounded before it is parsed (size and nesting), and anything that fails to parse is plain text.
import type { Segment } from './logs-ansi.ts';

/** Levels from least to most severe; a filter keeps a level and the ones after it. */
export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type Level = (typeof LEVELS)[number];

export type LineFormat = 'json' | 'logfmt' | 'klog' | 'text';

/** What the viewer keeps per line: its format and its level (null: the line does not say). */
export type LineInfo = { format: LineFormat; level: Level | null };

/** Longer lines are never parsed as JSON or logfmt (their level may still be read from their start). */
export const MAX_PARSE_CHARS = 128 * 1024;
/** Deeper JSON is not a log record worth re-indenting: it stays plain text, and nothing recurses into it. */
export const MAX_JSON_DEPTH = 64;
/** How far into a plain-text line a level word is looked for: a level is written near the start. */
const TEXT_LEVEL_SCAN = 160;

const WORDS: Record<string, Level> = {
  trace: 'trace',
  finest: 'trace',
  debug: 'debug',
  dbg: 'debug',
  dbug: 'debug',
  fine: 'debug',
  info: 'info',
  inf: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  log: 'info',
  warn: 'warn',
  warning: 'warn',
  wrn: 'warn',
  error: 'error',
  err: 'error',
  eror: 'error',
  severe: 'error',
  fatal: 'fatal',
  ftl: 'fatal',
  crit: 'fatal',
  critical: 'fatal',
  panic: 'fatal',
  dpanic: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
};

/** Position of a level in LEVELS (0 = trace); -1 for null, so an unleveled line is below every filter. */
export function levelRank(level: Level | null): number {
  return level === null ? -1 : LEVELS.indexOf(level);
}

/** A level named by a log library: "WARNING", "Err", "info", pino's and bunyan's numbers (10 … 60). */
export function levelOf(value: unknown): Level | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    if (value <= 10) return 'trace';
    if (value <= 20) return 'debug';
    if (value <= 30) return 'info';
    if (value <= 40) return 'warn';
    if (value <= 50) return 'error';
    return 'fatal';
  }
  if (typeof value !== 'string' || value.length > 16) return null;
  const word = value.trim().toLowerCase();
  return Object.hasOwn(WORDS, word) ? WORDS[word] : null;
}

/**
 * True when the text is one JSON value nested at most `max` deep. A linear scan that never recurses: it runs
 * before JSON.parse and the re-indenter, so a line of 100 000 brackets costs one pass and no stack.
 */
export function jsonDepthWithin(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92)
        i++; // backslash: skip what it escapes
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) {
      if (++depth > max) return false;
    } else if (ch === 125 || ch === 93) depth--;
  }
  return true;
}

/** A JSON object on one line, parsed; null for anything else (arrays, strings, broken or oversized JSON). */
export function parseJsonRecord(text: string): Record<string, unknown> | null {
  const body = text.trim();
  if (body.length < 2 || body.length > MAX_PARSE_CHARS || body[0] !== '{' || body[body.length - 1] !== '}') return null;
  if (!jsonDepthWithin(body, MAX_JSON_DEPTH)) return null;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

const LEVEL_KEYS: ReadonlySet<string> = new Set(['level', 'lvl', 'severity', 'loglevel', 'log_level', 'levelname', 'level_name', 'log.level', '@l', '@level']);

/** The level a JSON record carries (zap, logrus, slog, pino, bunyan, ECS, Cloud Logging…), null when none. */
export function jsonLevel(record: Record<string, unknown>): Level | null {
  for (const key of Object.keys(record)) {
    const lower = key.toLowerCase();
    if (!LEVEL_KEYS.has(lower)) continue;
    const value = record[key];
    // Numbers only mean pino's scale under "level"; a numeric severity is some other scale.
    const level = typeof value === 'number' && lower !== 'level' ? null : levelOf(value);
    if (level) return level;
  }
  // ECS nests it: {"log": {"level": "info"}}.
  const log = Object.hasOwn(record, 'log') ? record.log : null;
  if (log !== null && typeof log === 'object' && !Array.isArray(log) && Object.hasOwn(log, 'level')) return levelOf((log as Record<string, unknown>).level);
  return null;
}

/** One key=value pair of a logfmt line; the value unquoted and unescaped. */
export type LogfmtPair = [key: string, value: string];

const LOGFMT_KEY = /^[A-Za-z_][\w.\-/@]*$/;
// One pair: a key, "=", then a quoted value with escapes or a bare one, ending at whitespace or the end of the
// line. Linear: the two value forms never overlap. Matched sticky (from where the last pair ended) by a copy made
// per call, so no lastIndex outlives a parse.
const LOGFMT_PAIR = /[ \t]*([^\s="]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s"]*))(?=[ \t]|$)/;

/**
 * A logfmt line (`time=… level=info msg="a b"`) as its pairs in order; null unless every token is a key=value
 * pair and there are at least two (a sentence with one "a=b" in it is text, not logfmt). Lines over
 * MAX_PARSE_CHARS are not parsed.
 */
export function parseLogfmt(text: string): LogfmtPair[] | null {
  if (text.length > MAX_PARSE_CHARS) return null;
  const pairs: LogfmtPair[] = [];
  const end = text.trimEnd().length;
  const pair = new RegExp(LOGFMT_PAIR.source, 'y');
  while (pair.lastIndex < end) {
    const m = pair.exec(text);
    if (!m || !LOGFMT_KEY.test(m[1])) return null;
    const value = m[2] === undefined ? m[3] : m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
    pairs.push([m[1], value]);
  }
  return pairs.length >= 2 ? pairs : null;
}

/** A klog line's header: `E0115 10:31:02.123456   1 scraper.go:149] "msg" key=value`. */
export type KlogLine = { level: Level; month: number; day: number; time: string; thread: number; source: string; message: string };

const KLOG = /^([IWEF])(\d\d)(\d\d) (\d\d:\d\d:\d\d\.\d{6}) +(\d+) ([^\s:\]]+:\d+)\] ?(.*)$/s;
const KLOG_LEVELS: Record<string, Level> = { I: 'info', W: 'warn', E: 'error', F: 'fatal' };

export function parseKlog(text: string): KlogLine | null {
  const m = KLOG.exec(text);
  if (!m) return null;
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return { level: KLOG_LEVELS[m[1]], month, day, time: m[4], thread: Number(m[5]), source: m[6], message: m[7] };
}

// A level word near the start of a plain line, in the shapes programs print it: INFO / WRN / ERROR as a word
// (Spring, traefik, celery's "INFO/MainProcess"), [error] / [ info] in brackets (nginx, fluent-bit, coredns),
// "LOG:" (postgres), and lower-case "info: " (winston) or "panic: " (Go). Lower-case words elsewhere are prose.
const TEXT_LEVEL = new RegExp(
  [
    '(?:^|[\\s[(|])(TRACE|DEBUG|DBG|INFO|INF|NOTICE|WARN|WARNING|WRN|ERROR|ERR|FATAL|FTL|CRIT|CRITICAL|PANIC|EMERG|ALERT|SEVERE)(?=$|[\\s\\]):|/,])',
    '(?:^|\\s)(LOG|STATEMENT)(?=:)',
    '\\[ *(trace|debug|info|notice|warn|warning|error|err|fatal|crit|emerg|alert|panic) *\\]',
    '(?:^|\\s)(trace|debug|info|warn|warning|error|fatal|panic)(?=: )',
    '(?:^|[\\s{,])"?(?:level|lvl|severity)"? ?[=:] ?"?([A-Za-z]+)',
  ].join('|'),
);

/** The level a plain-text line states near its start, or null. */
export function textLevel(text: string): Level | null {
  const m = TEXT_LEVEL.exec(text.length > TEXT_LEVEL_SCAN ? text.slice(0, TEXT_LEVEL_SCAN) : text);
  if (!m) return null;
  const word = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5];
  return word === 'STATEMENT' ? null : levelOf(word);
}

/** The format and level of one line (without escape codes or the kubelet's timestamp). */
export function classifyLine(text: string): LineInfo {
  const first = text.length > 0 ? text.charCodeAt(0) : 0;
  if (first === 123 /* { */ || first === 32 || first === 9) {
    const record = parseJsonRecord(text);
    if (record) return { format: 'json', level: jsonLevel(record) };
  }
  if (first >= 69 && first <= 87 /* E … W */) {
    const klog = parseKlog(text);
    if (klog) return { format: 'klog', level: klog.level };
  }
  if (text.indexOf('=') !== -1) {
    const pairs = parseLogfmt(text);
    if (pairs) {
      const found = pairs.find(([k]) => LEVEL_KEYS.has(k.toLowerCase()));
      return { format: 'logfmt', level: found ? levelOf(found[1]) : null };
    }
  }
  return { format: 'text', level: textLevel(text) };
}

// Lines that continue the record before them rather than start one: indented frames, Java's "Caused by:" and
// "... 12 more", an exception's "SomeError: why", Python's traceback header, Go's panic report and frames.
const CONTINUATION =
  /^(?:\s|$|Caused by:|\.\.\. \d+ (?:more|common frames omitted)|Traceback \(most recent call last\):|[\w.$]*(?:Error|Exception)(?::|$)|goroutine \d+ \[|\[signal |created by |[\w./*()$-]+\(.*\)$)/;

/** True when an unleveled line belongs to the record above it (and so takes that record's level). */
export function isContinuation(text: string): boolean {
  return CONTINUATION.test(text);
}

/**
 * A JSON record re-indented by two spaces, as segments classed json-key / json-str / json-lit. It re-spaces the
 * original text instead of printing the parsed value, so numbers beyond 2^53, key order, duplicate keys and
 * escapes read exactly as logged. Null when the text is not a record classifyLine calls JSON.
 */
export function prettyJson(text: string): Segment[] | null {
  const body = text.trim();
  if (!parseJsonRecord(body)) return null;
  const out: Segment[] = [];
  let plain = '';
  const push = (t: string, c: string): void => {
    if (c === '') {
      plain += t;
      return;
    }
    if (plain) out.push({ t: plain, c: '' });
    plain = '';
    out.push({ t, c });
  };
  let depth = 0;
  const newline = (): string => `\n${'  '.repeat(depth)}`;
  let i = 0;
  const n = body.length;
  const skipSpace = (from: number): number => {
    let k = from;
    while (k < n && (body[k] === ' ' || body[k] === '\t' || body[k] === '\n' || body[k] === '\r')) k++;
    return k;
  };
  while (i < n) {
    i = skipSpace(i);
    if (i >= n) break;
    const ch = body[i];
    if (ch === '"') {
      let k = i + 1;
      while (k < n && body[k] !== '"') k += body[k] === '\\' ? 2 : 1;
      const str = body.slice(i, k + 1);
      i = k + 1;
      push(str, body[skipSpace(i)] === ':' ? 'json-key' : 'json-str');
    } else if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      const next = skipSpace(i + 1);
      if (body[next] === close) {
        push(ch + close, '');
        i = next + 1;
      } else {
        depth++;
        push(ch + newline(), '');
        i++;
      }
    } else if (ch === '}' || ch === ']') {
      depth--;
      push(newline() + ch, '');
      i++;
    } else if (ch === ',') {
      push(`,${newline()}`, '');
      i++;
    } else if (ch === ':') {
      push(': ', '');
      i++;
    } else {
      let k = i;
      while (k < n && !',:]} \t\n\r'.includes(body[k])) k++;
      push(body.slice(i, k), 'json-lit');
      i = k;
    }
  }
  if (plain) out.push({ t: plain, c: '' });
  return out;
}
