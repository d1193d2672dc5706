// What the log stream and workload tail APIs answer: JSON for opening and stopping them, and the
// documentation of their event streams (SSE or plain text, read with GET).
import { t } from 'elysia';
import { LogFilter } from '../contract';
import { SKIP_CAUSES } from './vocabulary';
import { Count, Exact, Integer, Nullable, OneOf, Timestamp } from '../http/responses';

export const StreamJson = Exact({
  id: t.String(),
  clusterId: t.String(),
  namespace: t.String(),
  pod: t.String(),
  container: t.String(),
  options: Exact(
    {
      follow: t.Boolean(),
      tailLines: t.Optional(Count()),
      sinceSeconds: t.Optional(Integer({ minimum: 1 })),
      previous: t.Boolean(),
      timestamps: t.Boolean(),
      filter: t.Optional(LogFilter),
    },
    { description: 'What was asked of Kubernetes' },
  ),
  createdAt: Timestamp,
  createdBy: t.String({ description: 'Email of who opened it' }),
  endedAt: Nullable(Timestamp),
  endReason: Nullable(t.String()),
  bytes: Count(),
  lines: Count(),
  droppedLines: Count({ description: 'Lines dropped by the per-stream rate budget' }),
});
export type StreamJson = typeof StreamJson.static;

export const StreamOpened = Exact({
  streamId: t.String(),
  container: t.String({ description: 'The container streamed (the pod’s only app container when none was named)' }),
  url: t.String({ description: 'Read the stream here (GET)' }),
  stream: StreamJson,
});
export type StreamOpened = typeof StreamOpened.static;

const TailMember = Exact({ streamId: t.String(), clusterId: t.String(), cluster: t.String(), namespace: t.String(), pod: t.String(), container: t.String() });
const TailSkip = Exact({
  clusterId: t.String(),
  cluster: t.String(),
  namespace: t.String(),
  pod: t.String(),
  container: Nullable(t.String(), { description: 'The one container left out, when the others of the pod joined; null: the whole pod' }),
  reason: t.String({ description: 'Why, in words an operator can act on' }),
  cause: OneOf(SKIP_CAUSES, {
    description: 'logs_not_enabled: the cluster lacks the capability; too_many_streams: a stream cap; container: the pod has no such container',
  }),
});

export const TailOpened = Exact({
  tailId: t.String(),
  url: t.String({ description: 'Read the merged stream here (GET)' }),
  members: t.Array(TailMember, { description: 'Pods in the tail, one log stream each' }),
  skipped: t.Array(TailSkip, { description: 'Pods of the workload left out (no logs capability, no such container, caps reached…), and why' }),
});
export type TailOpened = typeof TailOpened.static;

export const TailJoined = Exact({
  joined: t.Array(TailMember, { description: 'Pods that joined the tail now' }),
  skipped: t.Array(TailSkip),
});
export type TailJoined = typeof TailJoined.static;

export const TailEnded = Exact({ tailId: t.String(), ended: t.Literal(true) });
export type TailEnded = typeof TailEnded.static;

/**
 * OpenAPI of a stream's GET, for `detail.responses`: the body is an event stream, not JSON, so there is
 * no response schema for Elysia to check; the events are described in words.
 */
export const STREAM_EVENTS_RESPONSES = {
  200: {
    description: 'The stream, from the requested position until it ends',
    content: {
      'text/event-stream': {
        schema: t.String({
          description:
            'Server-sent events, id = the last seq the event holds: lines {seq, items: [line | {note}]}, gap {from, to, reason}, state {state: live | waiting}, end {seq, reason} (the last event; do not reconnect)',
        }),
      },
      'text/plain': {
        schema: t.String({
          description:
            'format=text: one log line per line, terminal control characters (ESC, CR, NUL, the other C0 and C1 controls but TAB) shown as visible symbols unless raw=1; notes, gaps and the end as lines starting with "# niro: "',
        }),
      },
    },
  },
};

export const TAIL_EVENTS_RESPONSES = {
  200: {
    description: 'Every member stream of the tail, merged',
    content: {
      'text/event-stream': {
        schema: t.String({
          description:
            'Server-sent events, id = the cursor vector of every member: member {m, clusterId, cluster, namespace, pod, container}, then as for one stream with the member key m: lines, gap, end (of one member); end {reason} without m ends the tail',
        }),
      },
    },
  },
};
