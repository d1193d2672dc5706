// Pod usage charts (uPlot) and the /pods drawer glue. Charts read their data from the element's
// data-chart attribute (rendered by the server), so they draw on load and after every htmx swap.
// uPlot itself is loaded as its own script (the global `uPlot`); only its types are imported here.
import type uPlot from 'uplot';
import type { ChartData } from '../views/pods/drawer.tsx';
import { BINARY_TICK_STEPS, formatBytes, formatCpu } from '../views/shared/format.ts';

declare global {
  interface Window {
    uPlot?: typeof uPlot;
  }
  interface DocumentEventMap {
    /** htmx 4 fires it on the element that made the request; the swapped target is in its ctx. */
    'htmx:after:swap': CustomEvent<{ ctx?: { target?: Element | null } } | null>;
  }
}

/** What drawer.tsx writes into data-chart: the pod's usage and which of its two series this chart shows. */
type ChartSpec = ChartData & { series: 'cpu' | 'memory' };

/** A chart element keeps its uPlot instance (the browser tests read the plotted data from it). */
type ChartHost = HTMLElement & { _chart?: uPlot };

const cpuLabel = (m: number | null): string => (m == null ? '' : formatCpu(m < 1000 ? Math.round(m) : m));
const bytesLabel = (b: number | null): string => (b == null ? '' : formatBytes(b));

/** The newest index of `values` that holds a value, or null when none does. */
function latestIndex(values: readonly (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] != null) return i;
  return null;
}

/** "14:05": a point's time in the reader's zone. */
function timeLabel(unix: number): string {
  return new Date(unix * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** A flat line at `value`, or no line when it is not set (0 means no request or limit). */
function constant(n: number, value: number): (number | null)[] {
  const out: (number | null)[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = value > 0 ? value : null;
  return out;
}

function draw(el: ChartHost): void {
  const UPlot = window.uPlot;
  if (typeof UPlot !== 'function') return;
  let d: ChartSpec;
  try {
    d = JSON.parse(el.getAttribute('data-chart') ?? '');
  } catch {
    return;
  }
  const cpu = d.series === 'cpu';
  const usage = cpu ? d.cpu : d.mem;
  const request = cpu ? d.cpuRequest : d.memRequest;
  const limit = cpu ? d.cpuLimit : d.memLimit;
  const fmt = cpu ? cpuLabel : bytesLabel;
  const n = d.t.length;
  const series: [number[], ...(number | null)[][]] = [d.t, usage, constant(n, request), constant(n, limit)];
  // Off the plot, the legend shows the newest point (uPlot would show "--" until the cursor comes).
  const newest = latestIndex(usage);
  const legendValue =
    (fmtValue: (v: number | null) => string) =>
    (_u: uPlot, v: number | null, seriesIdx: number, idx: number | null): string => {
      if (idx != null) return fmtValue(v);
      const i = latestIndex(series[seriesIdx]);
      return i === null ? '' : fmtValue(series[seriesIdx][i]);
    };
  const opts: uPlot.Options = {
    width: Math.max(280, el.clientWidth || 600),
    height: 170,
    title: cpu ? 'CPU' : 'Memory',
    scales: {
      x: { time: true, range: (): uPlot.Range.MinMax => [d.from, d.to] },
      y: { range: (_u, _min, max): uPlot.Range.MinMax => [0, Math.max(max, limit || 0, request || 0) * 1.1 || 1] },
    },
    series: [
      { value: (_u, ts, _s, idx) => (idx != null ? timeLabel(ts) : newest === null ? '' : `${timeLabel(d.t[newest])} (latest)`) },
      { label: cpu ? 'CPU' : 'Memory', stroke: '#2563eb', fill: 'rgba(37,99,235,0.12)', width: 1.5, value: legendValue(fmt) },
      { label: 'request', stroke: '#6b7280', dash: [6, 4], width: 1, value: legendValue(fmt) },
      { label: 'limit', stroke: '#dc2626', dash: [6, 4], width: 1, value: legendValue(fmt) },
    ],
    // Memory ticks on round binary figures (256 MiB, 512 MiB, 1 GiB), not decimal steps shown in MiB (954 MiB).
    axes: [{}, { size: 70, values: (_u, vals) => vals.map(fmt), ...(cpu ? {} : { incrs: [...BINARY_TICK_STEPS] }) }],
  };
  el.innerHTML = '';
  const chart = new UPlot(opts, series, el);
  el.setAttribute('data-ready', '1');
  el._chart = chart;
}

function drawAll(): void {
  for (const el of document.querySelectorAll<HTMLElement>('[data-pod-chart]:not([data-ready])')) draw(el);
}

/** Highlights the table row of the pod the drawer shows. */
function markSelected(): void {
  const drawer = document.querySelector('#pod-drawer [data-drawer-pod]');
  const key = drawer ? drawer.getAttribute('data-drawer-pod') : null;
  for (const row of document.querySelectorAll('#pods-table tr[data-pod]')) row.classList.toggle('selected', row.getAttribute('data-pod') === key);
}

document.addEventListener('htmx:after:swap', (evt) => {
  const target = evt.detail && evt.detail.ctx ? evt.detail.ctx.target : null;
  if (target && target.id === 'pod-drawer') markSelected();
});

/** Closes the drawer: clears it and goes back to the page's URL without the pod (`href`; no reload). */
function closeDrawer(holder: HTMLElement, href: string | null): void {
  holder.innerHTML = '';
  if (href) history.pushState({ htmx: true }, '', href);
  markSelected();
}

document.addEventListener('click', (evt) => {
  const a = evt.target instanceof Element ? evt.target.closest('[data-close-drawer]') : null;
  const holder = document.getElementById('pod-drawer');
  if (!a || !holder) return;
  evt.preventDefault();
  closeDrawer(holder, a.getAttribute('href'));
});

// Esc closes the drawer too, unless the reader is typing in a field (Esc there belongs to the field) or an
// open dropdown takes it.
document.addEventListener('keydown', (evt) => {
  if (evt.key !== 'Escape' || evt.defaultPrevented) return;
  const focus = document.activeElement;
  if (focus instanceof HTMLInputElement || focus instanceof HTMLTextAreaElement || focus instanceof HTMLSelectElement) return;
  const open = document.querySelector('details[open]');
  if (open) {
    open.removeAttribute('open');
    return;
  }
  const holder = document.getElementById('pod-drawer');
  const close = holder?.querySelector('[data-close-drawer]');
  if (!holder || !close) return;
  evt.preventDefault();
  closeDrawer(holder, close.getAttribute('href'));
});

// Charts arrive with htmx swaps: draw them once per frame, however many mutations the swap made.
function watchForCharts(): void {
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      drawAll();
    });
  });
  observer.observe(document.body, { childList: true, subtree: true });
}

function start(): void {
  drawAll();
  watchForCharts();
}
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
