// The line diff between two revisions' YAML, as hunks with line numbers (for the diff view) and as a unified
// patch (for curl users). Line diffing is the `diff` package's (jsdiff: Myers' algorithm, bounded by an edit
// limit so two large, unrelated revisions cannot pin the CPU). Pure.
import { formatPatch, structuredPatch } from 'diff';

/** Past this many edited lines the diff is not computed (the revisions are shown as wholly different). */
export const MAX_DIFF_EDIT_LENGTH = 5000;
/** Unchanged lines shown around each change. */
export const DIFF_CONTEXT = 3;

export type DiffLine = { type: 'context' | 'add' | 'remove'; text: string; oldLine: number | null; newLine: number | null };
export type DiffHunk = { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: DiffLine[] };

export type RevisionDiff = { ok: true; hunks: DiffHunk[]; added: number; removed: number; patch: string } | { ok: false; reason: 'too_large'; message: string };

/** Revision `from` → revision `to` (either order), named `revision-N.yaml` in the patch. */
export function diffRevisions(from: { number: number; content: string }, to: { number: number; content: string }): RevisionDiff {
  const patch = structuredPatch(`revision-${from.number}.yaml`, `revision-${to.number}.yaml`, from.content, to.content, undefined, undefined, {
    context: DIFF_CONTEXT,
    maxEditLength: MAX_DIFF_EDIT_LENGTH,
  });
  if (!patch) {
    return { ok: false, reason: 'too_large', message: `the revisions differ in more than ${MAX_DIFF_EDIT_LENGTH} lines; compare them whole` };
  }
  let added = 0;
  let removed = 0;
  const hunks = patch.hunks.map((h): DiffHunk => {
    let oldLine = h.oldStart;
    let newLine = h.newStart;
    const lines: DiffLine[] = [];
    for (const raw of h.lines) {
      const sign = raw[0];
      const text = raw.slice(1);
      // "\ No newline at end of file" belongs to the line before it; the view does not need it.
      if (sign === '\\') continue;
      if (sign === '+') {
        added++;
        lines.push({ type: 'add', text, oldLine: null, newLine: newLine++ });
      } else if (sign === '-') {
        removed++;
        lines.push({ type: 'remove', text, oldLine: oldLine++, newLine: null });
      } else lines.push({ type: 'context', text, oldLine: oldLine++, newLine: newLine++ });
    }
    return { oldStart: h.oldStart, oldLines: h.oldLines, newStart: h.newStart, newLines: h.newLines, lines };
  });
  return { ok: true, hunks, added, removed, patch: formatPatch(patch) };
}
