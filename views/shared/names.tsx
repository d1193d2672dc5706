// Long names (clusters, namespaces, pods, nodes, images) in narrow cells: cut in the middle so both the start
// and the distinguishing end stay visible (…-edge-01, …-7d9f8-x8k2p), the full text on hover, and a button
// that copies it. static/app.ts does the copying; the cutting is CSS, so a name uses whatever width it gets.
import Html from '@kitajs/html';

/** Characters kept at the end of a cut name: a ReplicaSet hash and pod suffix ("7d9f8b6c5d-x8k2p") or "-edge-01". */
const TAIL = 10;

/**
 * Copies `text` (or, with `from`, the text of the element that selector names) to the clipboard. With a
 * `label` it is a secondary button ("Copy"); without, a small icon that shows when its row is hovered.
 */
export function CopyButton(props: { text?: string; from?: string; label?: string; what?: string }): JSX.Element {
  const what = props.what ?? 'text';
  const data = props.from !== undefined ? { 'data-copy-from': props.from } : { 'data-copy': props.text ?? '' };
  if (props.label) {
    return (
      <button type="button" class="secondary copy-button" {...data} title={`Copy the ${what}`} safe>
        {props.label}
      </button>
    );
  }
  return (
    <button type="button" class="copy" {...data} title={`Copy ${what}`} aria-label={`Copy ${what}`}>
      <svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true">
        <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.3" />
        <path d="M10.5 3.5v-.5a1.5 1.5 0 0 0-1.5-1.5h-5A1.5 1.5 0 0 0 2.5 3v5A1.5 1.5 0 0 0 4 9.5h.5" fill="none" stroke="currentColor" stroke-width="1.3" />
      </svg>
    </button>
  );
}

/** The text of a name split for a middle cut: all but the last TAIL characters, and those. */
export function splitName(text: string): [string, string] {
  // Short names are never cut; a cut needs a head worth an ellipsis.
  if (text.length <= TAIL + 4) return [text, ''];
  return [text.slice(0, -TAIL), text.slice(-TAIL)];
}

/**
 * A name that fits its cell: cut in the middle when too long (full text in the title), a link when `href`
 * is given (`attrs` go on the link: htmx attributes, data-*), and a copy button unless `copy` is false.
 */
export function Name(props: { text: string; href?: string; attrs?: Record<string, string>; mono?: boolean; copy?: boolean; what?: string }): JSX.Element {
  const [head, tail] = splitName(props.text);
  const inner = (
    <>
      <span class="trunc-head" safe>
        {head}
      </span>
      {tail ? (
        <span class="trunc-tail" safe>
          {tail}
        </span>
      ) : (
        ''
      )}
    </>
  );
  const cls = `trunc${props.mono ? ' mono' : ''}`;
  return (
    <span class="name" title={props.text}>
      {props.href !== undefined ? (
        <a href={props.href} class={cls} {...(props.attrs ?? {})}>
          {inner}
        </a>
      ) : (
        <span class={cls} {...(props.attrs ?? {})}>
          {inner}
        </span>
      )}
      {props.copy === false ? '' : <CopyButton text={props.text} what={props.what ?? 'name'} />}
    </span>
  );
}
