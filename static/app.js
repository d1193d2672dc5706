// Niro page glue: CSRF header on every htmx request, and polling only while the tab is visible.
// No page carries inline script (the Content-Security-Policy forbids it): behaviour hangs on data-* attributes here.
(function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener('htmx:config:request', function (evt) {
    var ctx = evt.detail && evt.detail.ctx;
    if (!ctx) return;
    // A hidden tab does not poll: `every` triggers are dropped until it is visible again.
    if (ctx.sourceEvent && ctx.sourceEvent.type === 'every' && document.visibilityState !== 'visible') {
      evt.preventDefault();
      return;
    }
    if (meta) ctx.request.headers['X-CSRF-Token'] = meta.content;
  });
  // <select data-autosubmit>: choosing an option submits its form (the org switcher).
  document.addEventListener('change', function (evt) {
    var el = evt.target;
    if (el && el.hasAttribute && el.hasAttribute('data-autosubmit') && el.form) el.form.submit();
  });
  // <input data-current-path>: carries the page's own path and query (where to come back to).
  function fillCurrentPath() {
    var inputs = document.querySelectorAll('input[data-current-path]');
    for (var i = 0; i < inputs.length; i++) inputs[i].value = location.pathname + location.search;
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fillCurrentPath);
  else fillCurrentPath();
  // "confirm" on forms that destroy something: data-confirm="Delete cluster x?"
  document.addEventListener('submit', function (evt) {
    var msg = evt.target.getAttribute && evt.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) evt.preventDefault();
  }, true);
})();
