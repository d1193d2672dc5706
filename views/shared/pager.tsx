import Html from '@kitajs/html';

/**
 * The pager under a table listed a page at a time: one link to the next page (none on the last one: a null
 * `href`), and from the second page on a link back to the first (`first`).
 */
export function Pager(props: { href: string | null; label: 'Older →' | 'Next →'; first?: string | null }): JSX.Element {
  if (!props.href && !props.first) return '';
  return (
    <div class="pager">
      {props.first ? (
        <a class="button secondary" href={props.first} data-first-page>
          ← First page
        </a>
      ) : (
        ''
      )}
      {props.href ? (
        <a class="button secondary" href={props.href} data-next-page>
          {props.label}
        </a>
      ) : (
        ''
      )}
    </div>
  );
}
