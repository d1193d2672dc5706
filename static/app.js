// Niro page glue: CSRF header on every htmx request, and polling only while the tab is visible.
(function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener('htmx:config:request', function (evt) {
    if (meta && evt.detail && evt.detail.ctx) evt.detail.ctx.request.headers['X-CSRF-Token'] = meta.content;
  });
  // "confirm" on forms that destroy something: data-confirm="Delete cluster x?"
  document.addEventListener('submit', function (evt) {
    var msg = evt.target.getAttribute && evt.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) evt.preventDefault();
  }, true);
})();
