// The log viewer's wire: JSON API calls with the page's CSRF token, and an SSE parser fed by fetch()
// (not EventSource) so the Last-Event-ID sent on a reconnect is ours and every seq is accounted for.

/** One server-sent event; `id` is null when the event carried none. */
export type SseEvent = { event: string; id: string | null; data: string };

/** The body of an API error: `{"error":{"code","message"}}`. */
export type ErrorBody = { error?: { message?: unknown } };

/** Returns a function to feed with decoded chunks; it calls `emit` once per complete event. */
export function sseParser(emit: (evt: SseEvent) => void): (chunk: string) => void {
  let buf = '';
  let data: string[] = [];
  let event = '';
  let id: string | null = null;
  return (chunk) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.search(/\r\n|\r|\n/)) !== -1) {
      const sep = buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1;
      if (buf[nl] === '\r' && nl + 1 === buf.length) break; // maybe the first half of \r\n
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + sep);
      if (line === '') {
        if (data.length || event) emit({ event: event || 'message', id, data: data.join('\n') });
        data = [];
        event = '';
        id = null;
        continue;
      }
      if (line[0] === ':') continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value[0] === ' ') value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id') id = value;
    }
  };
}

/** The page's CSRF token (read when asked: the meta tag does not change while the page lives). */
function csrfToken(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

/** A same-origin JSON API call; `keepalive` lets it outlive the page (stopping a stream on pagehide). */
export function callApi(method: string, url: string, body?: unknown, keepalive = false): Promise<Response> {
  const headers: Record<string, string> = { 'X-CSRF-Token': csrfToken(), accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', keepalive });
}

/** The message of an API error body, or the bare status when the body says nothing usable. */
export function errorText(res: Response, json: ErrorBody | null): string {
  if (json && json.error && typeof json.error.message === 'string') return json.error.message;
  return `HTTP ${res.status}`;
}
