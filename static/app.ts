// Niro page glue: CSRF header on every htmx request, polling only while the tab is visible, relative times kept
// current, and "confirm" on forms that destroy something. Bundled by src/http/assets.ts into one classic script
// loaded on every page. No page carries inline script (the Content-Security-Policy forbids it): behaviour hangs on
// data-* attributes here.
import { renderRelativeTimes } from './relative-time.ts';

/** What this script reads of htmx 4's request context. */
type HtmxRequestContext = {
  request: { headers: Record<string, string> };
  /** The event that triggered the request; an `every` trigger's polls arrive as events of type 'every'. */
  sourceEvent?: Event;
};

declare global {
  interface DocumentEventMap {
    /** htmx 4, before a request leaves: its headers can still be changed, and preventDefault() drops it. */
    'htmx:config:request': CustomEvent<{ ctx?: HtmxRequestContext } | null>;
    /** htmx 4, with the parsed response: each task's fragment is what will be swapped in. */
    'htmx:before:swap': CustomEvent<{ tasks?: { fragment?: DocumentFragment | null }[] } | null>;
  }
}

const meta = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]');

document.addEventListener('htmx:config:request', (evt) => {
  const ctx = evt.detail?.ctx;
  if (!ctx) return;
  // A hidden tab does not poll: `every` ticks are dropped until it is visible again (the next tick after
  // that goes out). This replaces [document.visibilityState === 'visible'] trigger filters, which htmx
  // compiles with Function and the CSP would refuse.
  if (ctx.sourceEvent?.type === 'every' && document.visibilityState !== 'visible') {
    evt.preventDefault();
    return;
  }
  if (meta) ctx.request.headers['X-CSRF-Token'] = meta.content;
});

// <select data-autosubmit>: choosing an option submits its form (the org switcher).
document.addEventListener('change', (evt) => {
  const el = evt.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute('data-autosubmit') && el.form) el.form.submit();
});

/** <input data-current-path>: carries the page's own path and query (where to come back to). */
function fillCurrentPath(): void {
  for (const input of document.querySelectorAll<HTMLInputElement>('input[data-current-path]')) {
    input.value = location.pathname + location.search;
  }
}
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fillCurrentPath);
else fillCurrentPath();

// Relative times (<time data-relative>): worded now (this script is deferred, so the document is parsed), once a
// second while the tab is visible (the texts count seconds), at once when it becomes visible again, and in every
// fragment htmx is about to swap in — before the swap, so a morph finds the same words and leaves those nodes alone.
renderRelativeTimes(document, Date.now());
setInterval(() => {
  if (document.visibilityState === 'visible') renderRelativeTimes(document, Date.now());
}, 1000);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') renderRelativeTimes(document, Date.now());
});
document.addEventListener('htmx:before:swap', (evt) => {
  for (const task of evt.detail?.tasks ?? []) if (task.fragment) renderRelativeTimes(task.fragment, Date.now());
});

// data-confirm="Delete cluster x?" on a form asks before it submits.
document.addEventListener(
  'submit',
  (evt) => {
    const msg = evt.target instanceof Element ? evt.target.getAttribute('data-confirm') : null;
    if (msg && !window.confirm(msg)) evt.preventDefault();
  },
  true,
);

export {};
