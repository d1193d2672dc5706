import Html from '@kitajs/html';

/** The pager under a table listed a page at a time: one link to the next page, nothing on the last one (null `href`). */
export function Pager(props: { href: string | null; label: 'Older →' | 'Next →' }): JSX.Element {
  if (!props.href) return '';
  return (
    <div class="pager">
      <a class="button secondary" href={props.href}>
        {props.label}
      </a>
    </div>
  );
}
