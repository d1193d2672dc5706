import Html from '@kitajs/html';

import { ALL_CONTAINERS, LOG_LINES_ID, LOG_SKIPPED_ID, LOG_STATE_ID, LOG_VIEWER_ID, MAIN_CONTAINER } from './viewer-ids';

export { ALL_CONTAINERS, LOG_LINES_ID, LOG_SKIPPED_ID, LOG_STATE_ID, LOG_VIEWER_ID, MAIN_CONTAINER };

export type ViewerContainer = {
  name: string;
  kind: 'init' | 'app' | 'sidecar';
  restarts: number;
  /** Why the previous instance ended (OOMKilled, Error…); present when there is a previous instance. */
  lastTerminationReason?: string;
};

/** One pod's stream, or (workload tail) the owner whose pods are merged. What static/logs.ts reads from data-config. */
export type ViewerConfig =
  | {
      mode: 'pod';
      clusterId: string;
      namespace: string;
      pod: string;
      containers: ViewerContainer[];
      container: string;
      previous: boolean;
      follow: boolean;
      tailLines: number;
      timestamps: boolean;
    }
  | {
      mode: 'workload';
      ownerKind: string;
      ownerName: string;
      namespace: string | null;
      clusterIds: string[];
      /** Every container the workload's pods have (by name, once each), for the picker. */
      containers: ViewerContainer[];
      /** MAIN_CONTAINER, ALL_CONTAINERS or a container's name. */
      container: string;
      follow: boolean;
      tailLines: number;
      timestamps: boolean;
    };

/** The level filter's choices: a level keeps itself and everything more severe. */
const LEVEL_FILTER = [
  ['', 'All levels'],
  ['debug', 'Debug and above'],
  ['info', 'Info and above'],
  ['warn', 'Warnings and errors'],
  ['error', 'Errors only'],
] as const;

const SINCE = [
  ['', 'All'],
  ['300', '5 min'],
  ['900', '15 min'],
  ['3600', '1 h'],
  ['21600', '6 h'],
  ['86400', '24 h'],
] as const;

function kindLabel(c: ViewerContainer): string {
  return c.kind === 'app' ? c.name : `${c.name} (${c.kind})`;
}

/**
 * The log viewer: a toolbar (Alpine state) over a scrolling pane that static/logs.ts fills with one element
 * per line, text only. Every value from the cluster reaches the script through data-config (an escaped
 * attribute) and the page through `safe` children — never as markup or script.
 */
export function LogViewer(props: { config: ViewerConfig; title: string; crumbs: JSX.Element }): JSX.Element {
  const c = props.config;
  const pod = c.mode === 'pod' ? c : null;
  return (
    <div id={LOG_VIEWER_ID} class="logs" x-data="logViewer" data-config={JSON.stringify(c)}>
      <div class="logs-head">
        <div class="row">
          {props.crumbs as 'safe'}
          <span class="spacer"></span>
          <span id={LOG_STATE_ID} class="conn" x-bind:data-state="state" data-state="connecting" x-text="stateLabel">
            connecting…
          </span>
        </div>
        <div class="logs-bar row">
          {pod ? (
            <label class="inline">
              Container
              <select name="container" x-model="container" x-on:change="restart()" aria-label="Container">
                {pod.containers.map((ct) => (
                  <option value={ct.name} selected={ct.name === pod.container} safe>
                    {kindLabel(ct)}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <label class="inline" title="Sidecars (envoy, fluent-bit…) log apart from the app: pick one, or all">
              Container
              <select name="container" x-model="container" x-on:change="restart()" aria-label="Container">
                <option value={MAIN_CONTAINER} selected={c.container === MAIN_CONTAINER}>
                  main (each pod’s first app container)
                </option>
                <option value={ALL_CONTAINERS} selected={c.container === ALL_CONTAINERS}>
                  all containers
                </option>
                {c.containers.map((ct) => (
                  <option value={ct.name} selected={ct.name === c.container} safe>
                    {kindLabel(ct)}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label class="inline">
            <input type="checkbox" name="follow" x-model="follow" x-on:change="restart()" checked={c.follow} /> Follow
          </label>
          <label class="inline">
            Tail
            <input
              type="number"
              name="tailLines"
              min="0"
              max="100000"
              step="100"
              class="narrow"
              x-model="tailLines"
              x-on:change="restart()"
              value={String(c.tailLines)}
            />
          </label>
          <label class="inline">
            Since
            <select name="since" x-model="since" x-on:change="restart()">
              {SINCE.map(([v, l]) => (
                <option value={v}>{l}</option>
              ))}
            </select>
          </label>
          {pod ? (
            <button
              type="button"
              class="secondary"
              name="previous"
              x-bind:class="previous ? 'on' : ''"
              x-bind:disabled="!hasPrevious"
              x-on:click="togglePrevious()"
              title="The previous (crashed or restarted) instance of this container"
            >
              <span x-text="previous ? 'Current container' : 'Previous container'">Previous container</span>
            </button>
          ) : (
            ''
          )}
          <label class="inline">
            <input type="checkbox" name="timestamps" x-model="timestamps" x-on:change="restart()" checked={c.timestamps} /> Timestamps
          </label>
          <label class="inline">
            <input type="checkbox" name="wrap" x-model="wrap" /> Wrap
          </label>
          <form class="row inline-form" x-on:submit="submitFilter($event)">
            <input type="search" name="filter" placeholder="Agent-side filter" x-model="filter" aria-label="Filter lines before they leave the cluster" />
            <label class="inline" title="Regular expression instead of plain text">
              <input type="checkbox" name="regex" x-model="regex" /> regex
            </label>
          </form>
        </div>
        <div class="logs-bar row">
          <button type="button" class="secondary" name="pause" x-on:click="togglePause()" x-text="pauseLabel">
            Pause
          </button>
          <button type="button" class="secondary" name="clear" x-on:click="clearView()">
            Clear
          </button>
          <button type="button" class="secondary" name="copy" x-on:click="copyAll()" x-text="copied ? 'Copied' : 'Copy'">
            Copy
          </button>
          <button type="button" class="secondary" name="download" x-on:click="download()">
            Download
          </button>
          <button type="button" class="secondary" name="stop" x-on:click="stop()" x-bind:disabled="state === 'ended'">
            Stop
          </button>
          <button type="button" class="secondary" name="restart" x-on:click="restart()" x-show="state === 'ended'">
            Restart
          </button>
          <label
            class="inline"
            title="Levels are read from JSON, logfmt and klog lines and from level words in plain text; lines that state none are hidden while a level is chosen"
          >
            Level
            <select name="level" x-model="minLevel" x-on:change="levelChanged()" aria-label="Show lines at this level and above">
              {LEVEL_FILTER.map(([v, l]) => (
                <option value={v}>{l}</option>
              ))}
            </select>
          </label>
          <label class="inline" title="Show JSON lines re-indented, exactly as logged">
            <input type="checkbox" name="pretty" x-model="pretty" x-on:change="prettyChanged()" /> Pretty JSON
          </label>
          <span class="spacer"></span>
          <input
            type="search"
            name="search"
            placeholder="Search in buffer"
            x-model="search"
            x-on:input="runSearch()"
            x-on:keydown="searchKey($event)"
            aria-label="Search in buffer"
          />
          <span class="muted mono" x-text="searchLabel"></span>
          <button type="button" class="secondary" name="prev-match" x-on:click="jump(-1)" x-bind:disabled="!matchCount" title="Previous match">
            ↑
          </button>
          <button type="button" class="secondary" name="next-match" x-on:click="jump(1)" x-bind:disabled="!matchCount" title="Next match">
            ↓
          </button>
          <span class="muted" x-text="countLabel"></span>
        </div>
      </div>
      {pod ? (
        ''
      ) : (
        <details class="logs-skipped" x-show="skippedCount > 0" data-skipped>
          <summary x-text="skippedLabel"></summary>
          <ul id={LOG_SKIPPED_ID}></ul>
        </details>
      )}
      <div class="logs-pane" x-ref="pane" x-bind:class="wrap ? 'wrap' : ''" x-on:scroll="onScroll()">
        <div class="logs-dropped" x-show="droppedOld > 0" x-text="droppedLabel"></div>
        <div class="logs-empty muted" x-show="showEmpty" x-text="emptyLabel" data-empty-hint></div>
        <div id={LOG_LINES_ID} class="logs-lines mono" role="log" aria-live="off"></div>
      </div>
      <button type="button" class="jump-latest" name="latest" x-show="!stick" x-on:click="toLatest()" x-text="latestLabel">
        ↓ Latest
      </button>
    </div>
  );
}

/** The cluster lacks the logs capability: say so, and give the exact command that enables it. */
export function LogsNotEnabled(props: { clusterName: string; command: string; detail: string }): JSX.Element {
  return (
    <div class="panel" id="logs-not-enabled">
      <h2>Log streaming not enabled for this cluster</h2>
      <p safe>{props.detail}</p>
      <p>
        Run this on the cluster (as a cluster admin). It grants the agent read access to pod logs; no new token is needed, and the change shows here within one
        heartbeat:
      </p>
      <pre class="secret" safe>
        {props.command}
      </pre>
      <p class="muted">Enabling it lets everyone who can see this cluster in Niro read its container logs, which may contain secrets.</p>
    </div>
  );
}
