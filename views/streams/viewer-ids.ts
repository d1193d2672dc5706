// What the log viewer's markup and its browser script (static/logs*.ts) both name, in a JSX-free file the
// browser bundle can import.

/** Ids the viewer script and the tests look for. */
export const LOG_VIEWER_ID = 'log-viewer';
export const LOG_LINES_ID = 'log-lines';
export const LOG_STATE_ID = 'log-state';
/** The workload tail's list of pods left out, and why (filled by static/logs-stream.ts, text only). */
export const LOG_SKIPPED_ID = 'log-skipped';

/** The workload tail's container choice: each pod's main container, or all of them; any other value names one. */
export const MAIN_CONTAINER = '';
export const ALL_CONTAINERS = '*';

/** Fired on document.body when a pod's stream ends: the page asks whether the pod is gone (views/streams/pod-gone.tsx). */
export const STREAM_ENDED_EVENT = 'niro:stream-ended';
