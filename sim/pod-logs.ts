// GET pods/{name}/log: the kubelet's container selection and validation (same messages), then the lines —
// tail first, then since, then limitBytes; with follow the response stays open and new lines stream as written,
// until the container stops or the client goes away. Every open response is counted, so tests can assert closure.
import { type Cluster, containerLogKey, podKey } from './cluster-types.ts';
import { flag, intParam, respondError } from './http.ts';
import { formatLogTimestamp, type LogLine } from './logs.ts';
import type { ContainerModel } from './objects.ts';
import { badRequest, notFound, type ApiError } from './status.ts';

export type LogCounter = { open: number };

export type LogRequest = {
  cluster: Cluster;
  namespace: string;
  name: string;
  url: URL;
  signal: AbortSignal;
  counter: LogCounter;
  /** Lift the server's idle timeout for this request (follow streams may stay quiet for long). */
  keepOpen: () => void;
};

const POD_TYPE = { group: '', resource: 'pods' };

function unprocessable(message: string): ApiError {
  return { code: 422, reason: 'Invalid', message: `PodLogOptions "" is invalid: ${message}` };
}

type Choice = { ok: true; container: ContainerModel; previous: boolean } | { ok: false; error: ApiError };

// Which container and which of its instances answers, as the kubelet's validateContainerLogStatus decides.
function chooseInstance(request: LogRequest, previous: boolean): Choice {
  const pod = request.cluster.pods.get(podKey(request.namespace, request.name));
  if (!pod) return { ok: false, error: notFound(POD_TYPE, request.name) };
  const wanted = request.url.searchParams.get('container');
  let container: ContainerModel | undefined;
  if (wanted) {
    container = [...pod.containers, ...pod.initContainers].find((c) => c.name === wanted);
    if (!container) {
      return { ok: false, error: badRequest(`container ${wanted} is not valid for pod ${pod.name}`) };
    }
  } else if (pod.containers.length === 1) {
    container = pod.containers[0];
  } else {
    const inits = pod.initContainers.map((c) => c.name).join(' ');
    return {
      ok: false,
      error: badRequest(
        `a container name must be specified for pod ${pod.name}, choose one of: [${pod.containers.map((c) => c.name).join(' ')}]${inits ? ` or one of the init containers: [${inits}]` : ''}`,
      ),
    };
  }
  if (pod.nodeName === null) return { ok: false, error: badRequest(`pod ${pod.name} does not have a host assigned`) };
  if (pod.reason === 'Evicted') return { ok: false, error: badRequest(`container "${container.name}" in pod "${pod.name}" is not available`) };
  const c = container;
  const state = c.state;
  if (previous) {
    if (!c.lastState || !('terminated' in c.lastState))
      return { ok: false, error: badRequest(`previous terminated container "${c.name}" in pod "${pod.name}" not found`) };
    // While waiting to restart, the last terminated instance is still the log's current file.
    return { ok: true, container: c, previous: !('waiting' in state) };
  }
  if ('running' in state || 'terminated' in state) return { ok: true, container: c, previous: false };
  if (c.lastState && 'terminated' in c.lastState) return { ok: true, container: c, previous: false };
  const reason = state.waiting.reason;
  if (reason === 'ErrImagePull' || reason === 'ImagePullBackOff')
    return { ok: false, error: badRequest(`container "${c.name}" in pod "${pod.name}" is waiting to start: image can't be pulled`) };
  return { ok: false, error: badRequest(`container "${c.name}" in pod "${pod.name}" is waiting to start: ${reason}`) };
}

type Options = { follow: boolean; timestamps: boolean; tailLines?: number; sinceMs?: number; limitBytes?: number };

function parseOptions(url: URL): { ok: true; options: Options } | { ok: false; error: ApiError } {
  const tailLines = intParam(url, 'tailLines');
  const sinceSeconds = intParam(url, 'sinceSeconds');
  const limitBytes = intParam(url, 'limitBytes');
  const sinceTime = url.searchParams.get('sinceTime');
  if (tailLines !== null && (Number.isNaN(tailLines) || tailLines < 0))
    return { ok: false, error: unprocessable('tailLines: Invalid value: must be greater than or equal to 0') };
  if (sinceSeconds !== null && (Number.isNaN(sinceSeconds) || sinceSeconds < 1))
    return { ok: false, error: unprocessable('sinceSeconds: Invalid value: must be greater than 0') };
  if (limitBytes !== null && (Number.isNaN(limitBytes) || limitBytes < 1))
    return { ok: false, error: unprocessable('limitBytes: Invalid value: must be greater than 0') };
  if (sinceTime !== null && sinceSeconds !== null)
    return { ok: false, error: unprocessable('sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified') };
  let sinceMs: number | undefined;
  if (sinceSeconds !== null) sinceMs = Date.now() - sinceSeconds * 1000;
  if (sinceTime !== null) {
    sinceMs = Date.parse(sinceTime);
    if (Number.isNaN(sinceMs)) return { ok: false, error: badRequest(`parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse`) };
  }
  return {
    ok: true,
    options: {
      follow: flag(url, 'follow'),
      timestamps: flag(url, 'timestamps'),
      ...(tailLines !== null ? { tailLines } : {}),
      ...(sinceMs !== undefined ? { sinceMs } : {}),
      ...(limitBytes !== null ? { limitBytes } : {}),
    },
  };
}

export function servePodLogs(request: LogRequest): Response {
  const parsed = parseOptions(request.url);
  if (!parsed.ok) return respondError(parsed.error);
  const options = parsed.options;
  const choice = chooseInstance(request, flag(request.url, 'previous'));
  if (!choice.ok) return respondError(choice.error);
  const { cluster, counter } = request;
  const key = containerLogKey(request.namespace, request.name, choice.container.name);
  const initial = cluster.logs.read(key, choice.previous, { tailLines: options.tailLines, sinceMs: options.sinceMs });
  const encoder = new TextEncoder();
  const format = (lines: LogLine[]): string => lines.map((l) => (options.timestamps ? `${formatLogTimestamp(l.time)} ${l.text}\n` : `${l.text}\n`)).join('');

  counter.open += 1;
  let closed = false;
  let unsubscribe: (() => void) | null = null;
  let sent = 0;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe?.();
    counter.open -= 1;
  };
  request.signal.addEventListener('abort', finish);
  if (options.follow) request.keepOpen();

  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const end = (): void => {
        if (closed) return;
        finish();
        controller.close();
      };
      // Enqueue lines; false once limitBytes is reached (the kubelet cuts mid-line at the limit).
      const write = (lines: LogLine[]): boolean => {
        if (lines.length === 0) return true;
        let bytes = encoder.encode(format(lines));
        if (options.limitBytes !== undefined && sent + bytes.length >= options.limitBytes) {
          bytes = bytes.subarray(0, options.limitBytes - sent);
          sent += bytes.length;
          if (bytes.length > 0) controller.enqueue(bytes);
          return false;
        }
        sent += bytes.length;
        controller.enqueue(bytes);
        return true;
      };
      if (!write(initial) || !options.follow || choice.previous) return end();
      unsubscribe = cluster.logs.follow(key, {
        push: (lines) => {
          if (!closed && !write(lines)) end();
        },
        end,
      });
      // Nothing running to follow (a terminated or crashed instance): the kubelet returns what there is and ends.
      if (!unsubscribe) end();
    },
    cancel: finish,
  });
  return new Response(stream, { headers: { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' } });
}
