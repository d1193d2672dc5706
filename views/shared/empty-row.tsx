import Html from '@kitajs/html';

/** The only row of a table with nothing to list: the message spans all `columns`. Children arrive rendered (escaped). */
export function EmptyRow(props: { columns: number; children: JSX.Element | JSX.Element[] | string }): JSX.Element {
  return (
    <tr>
      <td colspan={String(props.columns)} class="empty">
        {props.children as 'safe'}
      </td>
    </tr>
  );
}
