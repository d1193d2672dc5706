// ANSI colour codes in log lines: SGR sequences (ESC [ … m) become CSS classes, every other escape
// sequence is dropped. The text itself is only ever put into the page as text.

/** A run of text and the classes its colour and style map to ('' for plain text). */
export type Segment = { t: string; c: string };

type Sgr = { fg: number; bg: number; bold: boolean; dim: boolean; italic: boolean; under: boolean };

// CSI sequences (ESC [ params letter) and OSC sequences (ESC ] … BEL or ESC \); only SGR (…m) is kept.
// Global, and only used through matchAll and replace, which never leave state behind in lastIndex.
const ESCAPES = /\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g;

/** Applies one SGR parameter list to the style; colours outside the 16 named ones are ignored. */
function applySgr(st: Sgr, params: string): void {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((n) => (n === '' ? 0 : parseInt(n, 10)));
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0) {
      st.fg = -1;
      st.bg = -1;
      st.bold = st.dim = st.italic = st.under = false;
    } else if (c === 1) st.bold = true;
    else if (c === 2) st.dim = true;
    else if (c === 3) st.italic = true;
    else if (c === 4) st.under = true;
    else if (c === 22) st.bold = st.dim = false;
    else if (c === 23) st.italic = false;
    else if (c === 24) st.under = false;
    else if (c >= 30 && c <= 37) st.fg = c - 30;
    else if (c >= 90 && c <= 97) st.fg = c - 90 + 8;
    else if (c === 39) st.fg = -1;
    else if (c >= 40 && c <= 47) st.bg = c - 40;
    else if (c >= 100 && c <= 107) st.bg = c - 100 + 8;
    else if (c === 49) st.bg = -1;
    else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
      const n = codes[i + 2];
      if (n >= 0 && n < 16) {
        if (c === 38) st.fg = n;
        else st.bg = n;
      }
      i += 2;
    } else if ((c === 38 || c === 48) && codes[i + 1] === 2) i += 4;
  }
}

function classOf(st: Sgr): string {
  const cls: string[] = [];
  if (st.fg >= 0) cls.push(`ansi-fg-${st.fg}`);
  if (st.bg >= 0) cls.push(`ansi-bg-${st.bg}`);
  if (st.bold) cls.push('ansi-bold');
  if (st.dim) cls.push('ansi-dim');
  if (st.italic) cls.push('ansi-italic');
  if (st.under) cls.push('ansi-under');
  return cls.join(' ');
}

/** Text → segments with escape sequences removed. */
export function parseAnsi(text: string): Segment[] {
  if (text.indexOf('\x1b') === -1) return [{ t: text, c: '' }];
  const out: Segment[] = [];
  const st: Sgr = { fg: -1, bg: -1, bold: false, dim: false, italic: false, under: false };
  let last = 0;
  for (const m of text.matchAll(ESCAPES)) {
    if (m.index > last) out.push({ t: text.slice(last, m.index), c: classOf(st) });
    if (m[2] === 'm') applySgr(st, m[1]);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ t: text.slice(last), c: classOf(st) });
  return out;
}

/** The line without any escape sequence: what search, copy and download see. */
export function plainOf(text: string): string {
  return text.indexOf('\x1b') === -1 ? text : text.replace(ESCAPES, '');
}
