// The controls of a big table that each browser remembers (static/prefs.ts keeps them in localStorage and
// applies them before the page paints): which columns show, and a compact density for every table.
import Html from '@kitajs/html';

/**
 * A column a table can show; `fixed` ones (the row's name) cannot be hidden, `hidden` ones are off until the
 * user turns them on. Cells carry class `col-<key>` (and `col-off` when hidden by default).
 */
export type TableColumn = { key: string; label: string; fixed?: boolean; hidden?: boolean };

/** A dropdown of checkboxes, one per column that can be hidden, for the table with id `table`. */
export function ColumnChooser(props: { table: string; columns: readonly TableColumn[] }): JSX.Element {
  return (
    <details class="pick columns" data-columns-for={props.table}>
      <summary>Columns</summary>
      <div class="pick-list">
        {props.columns
          .filter((c) => !c.fixed)
          .map((c) => (
            <label>
              <input type="checkbox" data-column={c.key} checked={!c.hidden} /> <span safe>{c.label}</span>
            </label>
          ))}
      </div>
    </details>
  );
}

/** Toggles compact rows for every table (remembered per browser). */
export function DensityToggle(): JSX.Element {
  return (
    <button type="button" class="secondary" data-density-toggle aria-pressed="false" title="Compact rows: more of them on one screen">
      Compact
    </button>
  );
}

/** The classes every header and body cell of column `key` of `columns` carries (what the column chooser shows or hides). */
export function columnClass(columns: readonly TableColumn[], key: string): string {
  return columns.find((c) => c.key === key)?.hidden ? `col-${key} col-off` : `col-${key}`;
}
