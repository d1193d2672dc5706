// Table preferences each browser remembers: hidden columns per table and a compact density. Loaded in the
// page's <head> without defer, so the preferences apply before the first paint (no flash of every column),
// and through a constructed stylesheet rather than on the cells, so the 5 s morph refreshes never undo them.
// The controls (views/shared/table-tools.tsx) are wired here too.

const COLUMNS_KEY = 'niro.columns';
const DENSITY_KEY = 'niro.density';

/** table id → column key → shown (true) or hidden (false): the user's choices; other columns keep their default. */
type ColumnChoices = Record<string, Record<string, boolean>>;

const NAME = /^[a-z][a-z0-9-]{0,40}$/;

function read<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback; // storage disabled, or a value we did not write
  }
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Private mode or a full quota: the choice holds for this page only.
  }
}

function storedChoices(): ColumnChoices {
  const stored = read<unknown>(COLUMNS_KEY, {});
  const out: ColumnChoices = {};
  if (!stored || typeof stored !== 'object') return out;
  // Only names we could have written reach the stylesheet (it is built from them).
  for (const [table, cols] of Object.entries(stored as Record<string, unknown>)) {
    if (!NAME.test(table) || !cols || typeof cols !== 'object') continue;
    out[table] = {};
    for (const [c, shown] of Object.entries(cols as Record<string, unknown>)) if (NAME.test(c) && typeof shown === 'boolean') out[table][c] = shown;
  }
  return out;
}

const sheet = new CSSStyleSheet();
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

/** Hidden columns get display: none; a column hidden by default (class col-off) that the user turned on shows again. */
function applyColumns(choices: ColumnChoices): void {
  const rules: string[] = [];
  for (const [table, cols] of Object.entries(choices)) {
    for (const [c, shown] of Object.entries(cols)) rules.push(`#${table} .col-${c} { display: ${shown ? 'table-cell' : 'none'}; }`);
  }
  sheet.replaceSync(rules.join('\n'));
}

function compact(): boolean {
  return read<string>(DENSITY_KEY, 'comfortable') === 'compact';
}

function applyDensity(on: boolean): void {
  if (on) document.documentElement.setAttribute('data-density', 'compact');
  else document.documentElement.removeAttribute('data-density');
  for (const b of document.querySelectorAll('[data-density-toggle]')) b.setAttribute('aria-pressed', String(on));
}

// Read once; kept here so the controls still work for this page when storage is unavailable.
const choices = storedChoices();
let compactOn = compact();
applyColumns(choices);
applyDensity(compactOn);

/** The controls show the stored choices (the server renders each column's default). */
function syncControls(): void {
  for (const chooser of document.querySelectorAll<HTMLElement>('[data-columns-for]')) {
    const chosen = choices[chooser.getAttribute('data-columns-for') ?? ''] ?? {};
    for (const box of chooser.querySelectorAll<HTMLInputElement>('input[data-column]'))
      box.checked = chosen[box.getAttribute('data-column') ?? ''] ?? box.defaultChecked;
  }
  applyDensity(compactOn);
}

document.addEventListener('DOMContentLoaded', syncControls);

document.addEventListener('change', (evt) => {
  const box = evt.target;
  if (!(box instanceof HTMLInputElement) || !box.hasAttribute('data-column')) return;
  const table = box.closest('[data-columns-for]')?.getAttribute('data-columns-for') ?? '';
  const column = box.getAttribute('data-column') ?? '';
  if (!NAME.test(table) || !NAME.test(column)) return;
  choices[table] = { ...choices[table], [column]: box.checked };
  write(COLUMNS_KEY, choices);
  applyColumns(choices);
});

document.addEventListener('click', (evt) => {
  const toggle = evt.target instanceof Element ? evt.target.closest('[data-density-toggle]') : null;
  if (!toggle) return;
  compactOn = !compactOn;
  write(DENSITY_KEY, compactOn ? 'compact' : 'comfortable');
  applyDensity(compactOn);
});

export {};
