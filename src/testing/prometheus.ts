// A strict reader of the Prometheus text exposition format (0.0.4), for tests: what a scraper would reject
// throws here, so a test that reads a scrape also checks that Prometheus could.

/** Every sample by `name{label="value",…}` (labels sorted), and each family's declared type. */
export type Scrape = { samples: Map<string, number>; types: Map<string, string> };

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function splitLabels(body: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\' && quoted) {
      current += c + body[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  if (current) parts.push(current);
  return parts;
}

/** As Prometheus reads a value (Go's ParseFloat): NaN and Inf in any letter case. */
function parseValue(text: string, line: string): number {
  if (/^nan$/i.test(text)) return NaN;
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not a sample value: ${line}`);
  return value;
}

/** The family a sample belongs to: histograms and summaries add suffixes to their samples. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return types.has(base) ? base : undefined;
}

export function parsePrometheusText(text: string): Scrape {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m || !new RegExp(`^${NAME}$`).test(m[2])) throw new Error(`bad comment line: ${line}`);
      if (m[1] === 'TYPE') {
        if (!TYPES.has(m[3] ?? '')) throw new Error(`bad type: ${line}`);
        if (types.has(m[2])) throw new Error(`second TYPE for ${m[2]}`);
        types.set(m[2], m[3]);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    if (!familyOf(m[1], types)) throw new Error(`sample before its TYPE: ${line}`);
    const labels = m[2]
      ? splitLabels(m[2]).map((pair) => {
          const l = LABEL.exec(pair);
          if (!l) throw new Error(`bad label ${pair} in: ${line}`);
          return `${l[1]}="${l[2]}"`;
        })
      : [];
    const key = labels.length ? `${m[1]}{${labels.sort().join(',')}}` : m[1];
    if (samples.has(key)) throw new Error(`duplicate sample: ${key}`);
    samples.set(key, parseValue(m[3], line));
  }
  return { samples, types };
}
