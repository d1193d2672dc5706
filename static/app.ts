// Niro page glue: CSRF header on every htmx request, and "confirm" on forms that destroy something.
// Bundled by src/http/assets.ts into one classic script loaded on every page.

declare global {
  interface DocumentEventMap {
    /** htmx 4, before a request leaves: its headers can still be changed. */
    'htmx:config:request': CustomEvent<{ ctx?: { request: { headers: Record<string, string> } } } | null>;
  }
}

const meta = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]');

document.addEventListener('htmx:config:request', (evt) => {
  if (meta && evt.detail && evt.detail.ctx) evt.detail.ctx.request.headers['X-CSRF-Token'] = meta.content;
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
