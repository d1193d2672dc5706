// Relative times: every <time data-relative> the server rendered (views/shared/time.tsx) is worded against the
// browser's clock and kept current, so the server never renders "12 s ago" and an unchanged poll is the same bytes.
import { formatAgo, formatDuration, formatSpan } from '../views/shared/format.ts';

type Style = 'ago' | 'age' | 'elapsed';

const WORDING: Record<Style, (seconds: number) => string> = {
  ago: formatAgo,
  age: formatDuration,
  elapsed: (s) => `${formatSpan(s)} so far`,
};

/** Rewords every relative time under `root` for `nowMs`; text nodes are only touched when their words change. */
export function renderRelativeTimes(root: ParentNode, nowMs: number): void {
  for (const el of root.querySelectorAll<HTMLTimeElement>('time[data-relative]')) {
    const word = WORDING[el.dataset.relative as Style];
    const at = Date.parse(el.dateTime);
    if (!word || Number.isNaN(at)) continue;
    const text = word((nowMs - at) / 1000);
    if (el.textContent !== text) el.textContent = text;
  }
}
