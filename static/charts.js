// Pod usage charts (uPlot) and the /pods drawer glue. Charts read their data from the element's
// data-chart attribute (rendered by the server), so they draw on load and after every htmx swap.
(function () {
  'use strict';

  function formatCpu(m) {
    if (m == null) return '';
    if (m < 1000) return Math.round(m) + 'm';
    var c = m / 1000;
    return (c >= 10 ? c.toFixed(0) : c.toFixed(1)) + ' cores';
  }

  function formatBytes(b) {
    if (b == null) return '';
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    while (b >= 1024 && i < units.length - 1) {
      b /= 1024;
      i++;
    }
    return (b >= 10 || i === 0 ? b.toFixed(0) : b.toFixed(1)) + ' ' + units[i];
  }

  function constant(n, value) {
    var out = new Array(n);
    for (var i = 0; i < n; i++) out[i] = value > 0 ? value : null;
    return out;
  }

  function draw(el) {
    if (typeof window.uPlot !== 'function') return;
    var d;
    try {
      d = JSON.parse(el.getAttribute('data-chart'));
    } catch (e) {
      return;
    }
    var cpu = d.series === 'cpu';
    var usage = cpu ? d.cpu : d.mem;
    var request = cpu ? d.cpuRequest : d.memRequest;
    var limit = cpu ? d.cpuLimit : d.memLimit;
    var fmt = cpu ? formatCpu : formatBytes;
    var n = d.t.length;
    var opts = {
      width: Math.max(280, el.clientWidth || 600),
      height: 170,
      title: cpu ? 'CPU' : 'Memory',
      scales: { x: { time: true, range: function () { return [d.from, d.to]; } }, y: { range: function (u, min, max) { return [0, Math.max(max, limit || 0, request || 0) * 1.1 || 1]; } } },
      series: [
        {},
        { label: cpu ? 'CPU' : 'Memory', stroke: '#2563eb', fill: 'rgba(37,99,235,0.12)', width: 1.5, value: function (u, v) { return fmt(v); } },
        { label: 'request', stroke: '#6b7280', dash: [6, 4], width: 1, value: function (u, v) { return fmt(v); } },
        { label: 'limit', stroke: '#dc2626', dash: [6, 4], width: 1, value: function (u, v) { return fmt(v); } },
      ],
      axes: [{}, { size: 70, values: function (u, vals) { return vals.map(fmt); } }],
    };
    el.innerHTML = '';
    var chart = new window.uPlot(opts, [d.t, usage, constant(n, request), constant(n, limit)], el);
    el.setAttribute('data-ready', '1');
    el._chart = chart;
  }

  function drawAll() {
    var els = document.querySelectorAll('[data-pod-chart]:not([data-ready])');
    for (var i = 0; i < els.length; i++) draw(els[i]);
  }

  function markSelected() {
    var drawer = document.querySelector('#pod-drawer [data-drawer-pod]');
    var key = drawer ? drawer.getAttribute('data-drawer-pod') : null;
    var rows = document.querySelectorAll('#pods-table tr[data-pod]');
    for (var i = 0; i < rows.length; i++) rows[i].classList.toggle('selected', rows[i].getAttribute('data-pod') === key);
  }

  var pending = false;
  var observer = new MutationObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      drawAll();
    });
  });

  // htmx 4 fires after:swap on the element that made the request; the swapped target is in its ctx.
  document.addEventListener('htmx:after:swap', function (evt) {
    var target = evt.detail && evt.detail.ctx ? evt.detail.ctx.target : null;
    if (target && target.id === 'pod-drawer') markSelected();
  });

  // Closing the drawer: clear it and go back to the page's URL without the pod (no reload).
  document.addEventListener('click', function (evt) {
    var a = evt.target && evt.target.closest ? evt.target.closest('[data-close-drawer]') : null;
    if (!a) return;
    var holder = document.getElementById('pod-drawer');
    if (!holder) return;
    evt.preventDefault();
    holder.innerHTML = '';
    history.pushState({ htmx: true }, '', a.getAttribute('href'));
    markSelected();
  });

  function start() {
    drawAll();
    observer.observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
