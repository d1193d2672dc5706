import Html from '@kitajs/html';
import { formatUtc } from './format';

/**
 * How the browser words a moment relative to its own clock (static/relative-time.ts):
 * `ago` "12 s ago", `age` kubectl's "12m", `elapsed` "3 h so far".
 */
export type RelativeStyle = 'ago' | 'age' | 'elapsed';

/**
 * A moment the browser shows relative to now and keeps current. The server writes only the absolute time (the
 * text a page without scripts shows), so rendering the same data twice gives the same bytes and an unchanged
 * poll can be answered 304.
 */
export function RelativeTime(props: { at: Date; style: RelativeStyle }): JSX.Element {
  const utc = formatUtc(props.at);
  return (
    <time datetime={props.at.toISOString()} data-relative={props.style} title={utc} safe>
      {props.style === 'elapsed' ? `since ${utc}` : utc}
    </time>
  );
}
