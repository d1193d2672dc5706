// The pod drawer's usage chart: its window picker, the two uPlot charts (drawn by static/charts.ts from the
// data attributes) or why there is none. Its own htmx target: it is not polled with the drawer.
import Html from '@kitajs/html';
import { CHART_WINDOWS, type ChartWindow } from '../../src/pods/vocabulary';
import { formatDuration, plural } from '../shared/format';
import { podPath } from './filters';

export const POD_CHART_ID = 'pod-chart';

export type MetricsState = { available: true } | { available: false; reason: string };

export type ChartData = {
  /** Bucket starts, unix seconds. */
  t: number[];
  cpu: (number | null)[];
  mem: (number | null)[];
  cpuRequest: number;
  cpuLimit: number;
  memRequest: number;
  memLimit: number;
  stepSeconds: number;
  source: 'raw' | 'rollup';
  /** The window shown, unix seconds: the x axis spans it whatever the data covers. */
  from: number;
  to: number;
};

export type ChartProps = {
  clusterId: string;
  namespace: string;
  name: string;
  window: ChartWindow;
  /** Windows the org's plan keeps history for. */
  windows: ChartWindow[];
  plan: string;
  metrics: MetricsState;
  data: ChartData | null;
};

/** The usage chart with its window picker, or why there is none. Not polled with the drawer: it reloads itself every 30 s. */
export function PodChart(props: ChartProps): JSX.Element {
  const path = podPath(props.clusterId, props.namespace, props.name);
  return (
    <section id={POD_CHART_ID} hx-get={`${path}/chart?window=${props.window}`} hx-trigger="every 30s" hx-swap="outerHTML">
      <div class="row">
        <h2>Usage history</h2>
        <span class="spacer"></span>
        <nav class="tabs compact" aria-label="Chart window">
          {CHART_WINDOWS.map((w) =>
            props.windows.includes(w.key) ? (
              <a
                href={`${path}/chart?window=${w.key}`}
                hx-get={`${path}/chart?window=${w.key}`}
                hx-target={`#${POD_CHART_ID}`}
                hx-swap="outerHTML"
                class={w.key === props.window ? 'active' : ''}
                data-window={w.key}
              >
                {w.label}
              </a>
            ) : (
              <span class="muted" title={`The ${props.plan} plan keeps ${props.windows[props.windows.length - 1]} of history`}>
                {w.label}
              </span>
            ),
          )}
        </nav>
      </div>
      {props.metrics.available && props.data && (props.data.cpu.some((v) => v !== null) || props.data.mem.some((v) => v !== null)) ? (
        <>
          <div class="chart" data-pod-chart="cpu" data-chart={JSON.stringify({ ...props.data, series: 'cpu' })}></div>
          <div class="chart" data-pod-chart="memory" data-chart={JSON.stringify({ ...props.data, series: 'memory' })}></div>
          <p class="small muted" safe>
            {`${plural(props.data.t.length, 'point')}, ${formatDuration(props.data.stepSeconds)} buckets (CPU averaged, memory at its peak)${props.data.source === 'rollup' ? ', from 10-minute rollups' : ''}. Dashed lines: request (grey) and limit (red).`}
          </p>
        </>
      ) : (
        // Without metrics, the drawer's live part above already says why (said once, not twice).
        <p class="muted" data-chart-empty>
          {props.metrics.available ? 'No usage samples in this window yet.' : 'No usage history to chart.'}
        </p>
      )}
    </section>
  );
}
