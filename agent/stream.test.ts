// Checks the stream channel over a real WebSocket: the key on the upgrade, hello, start-log → data
// frames (seq, whole lines, filter) → stop → eof and the Kubernetes request cancelled; refusal without
// the logs capability; a followed log re-opened from its last line after it ends; reconnect after a drop;
// resumeAfter (the server resuming its copy of a stream) and a stream re-sent on a new connection.
import { afterAll, afterEach, expect, test } from 'bun:test';
import type { ServerWebSocket } from 'bun';
import { AGENT_KEY_HEADER, PROTOCOL, type AgentFrame, type DataFrame, type ServerFrame } from '../src/contract/index.ts';
import type { Pod } from './kube-objects.ts';
import { createLogger } from './log.ts';
import { createNiroClient } from './niro-client.ts';
import { AgentSession } from './session.ts';
import { LOGS_NOT_ENABLED, runStreamLoop } from './stream.ts';
import { createFakeKube, waitFor } from './testing/fake-kube.ts';

const received: AgentFrame[] = [];
const upgradeKeys: (string | null)[] = [];
let socket: ServerWebSocket<unknown> | null = null;

const server = Bun.serve({
  port: 0,
  fetch(request, srv) {
    upgradeKeys.push(request.headers.get(AGENT_KEY_HEADER));
    if (srv.upgrade(request)) return undefined;
    return new Response('expected a WebSocket', { status: 400 });
  },
  websocket: {
    open(ws) {
      socket = ws;
    },
    message(_ws, message) {
      received.push(JSON.parse(String(message)) as AgentFrame);
    },
    close(ws) {
      if (socket === ws) socket = null;
    },
  },
});
afterAll(() => server.stop(true));

const pod = (await Bun.file(new URL('./collect/testdata/pods/running-coredns.json', import.meta.url)).json()) as Pod;

function start(grants: string[]) {
  received.length = 0;
  upgradeKeys.length = 0;
  const fake = createFakeKube({ grants: new Set(grants), pods: [pod] });
  const controller = new AbortController();
  const loop = runStreamLoop({
    kube: fake.kube,
    client: createNiroClient(`http://127.0.0.1:${server.port}`, { agentVersion: '0.4.0' }),
    log: createLogger('error', () => undefined),
    session: new AgentSession('niro_ak_stream', 'c1'),
    agentVersion: '0.4.0',
    signal: controller.signal,
  });
  stops.push(async () => {
    controller.abort();
    await loop;
  });
  return { fake, loop };
}
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  // The next test must not send on this test's connection while it is still closing.
  await waitFor(() => socket === null, 5000, 'the connection to close');
});

const send = (frame: ServerFrame): void => {
  socket!.send(JSON.stringify(frame));
};
const dataFrames = (streamId: string): DataFrame[] => received.filter((f): f is DataFrame => f.type === 'data' && f.streamId === streamId);
const startLog = (streamId: string, extra: Partial<Extract<ServerFrame, { type: 'start-log' }>> = {}): void =>
  send({
    type: 'start-log',
    streamId,
    namespace: 'kube-system',
    pod: 'coredns-ccb96694c-7qz2m',
    container: 'coredns',
    follow: true,
    previous: false,
    timestamps: false,
    ...extra,
  });

test('streams a followed log in seq-numbered frames and cancels the request on stop', async () => {
  const { fake } = start(['get pods/log']);
  await waitFor(() => socket !== null && received.some((f) => f.type === 'hello'), 3000, 'hello');
  expect(upgradeKeys).toEqual(['niro_ak_stream']);
  expect(received.find((f) => f.type === 'hello')).toEqual({ type: 'hello', agentVersion: '0.4.0', protocol: PROTOCOL, logsEnabled: true });

  startLog('s1', { tailLines: 10 });
  await waitFor(() => fake.state.logs.length === 1, 2000, 'log request');
  const request = fake.state.logs[0]!;
  expect(request.options).toMatchObject({ container: 'coredns', follow: true, tailLines: 10, timestamps: true });
  request.emit('2026-06-12T10:00:00.1Z [INFO] plugin/reload: Running configuration\n2026-06-12T10:00:00.2Z [ERR');
  request.emit('OR] read udp: i/o timeout\n');
  // The first line leaves at once (nothing was sent recently); the second follows within the flush interval.
  await waitFor(
    () =>
      dataFrames('s1')
        .map((f) => f.data)
        .join('')
        .includes('[ERROR]'),
    2000,
    'data',
  );
  expect(
    dataFrames('s1')
      .map((f) => f.data)
      .join(''),
  ).toBe('[INFO] plugin/reload: Running configuration\n[ERROR] read udp: i/o timeout\n');
  expect(dataFrames('s1').at(-1)).toMatchObject({ lastTimestamp: '2026-06-12T10:00:00.2Z', lastTimestampLines: 1 });

  send({ type: 'stop', streamId: 's1' });
  await waitFor(() => dataFrames('s1').some((f) => f.eof), 2000, 'eof');
  expect(request.aborted).toBe(true);
  const frames = dataFrames('s1');
  expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i + 1));
  expect(frames.at(-1)).toMatchObject({ eof: true, data: '' });
  expect(frames.at(-1)!.err).toBeUndefined();
});

test('refuses when the logs capability is not granted, before any Kubernetes request', async () => {
  const { fake } = start([]);
  await waitFor(() => socket !== null, 3000, 'connection');
  startLog('s2');
  await waitFor(() => dataFrames('s2').length === 1, 2000, 'refusal');
  expect(dataFrames('s2')[0]).toEqual({ type: 'data', streamId: 's2', seq: 1, data: '', eof: true, err: LOGS_NOT_ENABLED });
  expect(fake.state.logs).toEqual([]);
});

test('applies the filter agent-side and answers pings', async () => {
  const { fake } = start(['get pods/log']);
  await waitFor(() => socket !== null, 3000, 'connection');
  send({ type: 'ping', ts: 123 });
  startLog('s3', { filter: { pattern: 'ERROR', regex: false }, follow: false, timestamps: true });
  await waitFor(() => fake.state.logs.length === 1, 2000, 'log request');
  fake.state.logs[0]!.emit('2026-06-12T10:00:00Z ok\n2026-06-12T10:00:01Z ERROR bad\n');
  fake.state.logs[0]!.end();
  await waitFor(() => dataFrames('s3').some((f) => f.eof), 2000, 'eof');
  expect(
    dataFrames('s3')
      .map((f) => f.data)
      .join(''),
  ).toBe('2026-06-12T10:00:01Z ERROR bad\n');
  expect(received).toContainEqual({ type: 'pong', ts: 123 });
});

test('a followed log that ends is re-opened from its last line, without duplicates', async () => {
  const { fake } = start(['get pods/log']);
  await waitFor(() => socket !== null, 3000, 'connection');
  startLog('s4');
  await waitFor(() => fake.state.logs.length === 1, 2000, 'log request');
  fake.state.logs[0]!.emit('2026-06-12T10:00:05.5Z before restart\n');
  fake.state.logs[0]!.end();
  await waitFor(() => fake.state.logs.length === 2, 3000, 're-open');
  const reopened = fake.state.logs[1]!;
  expect(reopened.options).toMatchObject({ sinceTime: '2026-06-12T10:00:05Z', tailLines: undefined });
  reopened.emit('2026-06-12T10:00:05.5Z before restart\n2026-06-12T10:00:09Z after restart\n');
  await waitFor(
    () =>
      dataFrames('s4')
        .map((f) => f.data)
        .join('')
        .includes('after'),
    2000,
    'new lines',
  );
  expect(
    dataFrames('s4')
      .map((f) => f.data)
      .join(''),
  ).toBe('before restart\nafter restart\n');
  expect(dataFrames('s4').filter((f) => f.seam)).toEqual([{ type: 'data', streamId: 's4', seq: 2, data: '', seam: '2026-06-12T10:00:05Z' }]);
});

test('after the container restarts, the new run is read whole even where it shares the crash’s timestamp', async () => {
  const { fake } = start(['get pods/log']);
  fake.state.pods = [structuredClone(pod)];
  await waitFor(() => socket !== null, 3000, 'connection');
  startLog('s9');
  await waitFor(() => fake.state.logs.length === 1, 2000, 'log request');
  fake.state.logs[0]!.emit('2026-06-12T10:00:05.5Z panic: boom\n');
  await waitFor(() => dataFrames('s9').length >= 1, 2000, 'the crash line');
  fake.state.pods[0]!.status!.containerStatuses![0]!.restartCount += 1;
  fake.state.logs[0]!.end();
  await waitFor(() => fake.state.logs.length === 2, 3000, 're-open');
  fake.state.logs[1]!.emit('2026-06-12T10:00:05.5Z starting again\n');
  await waitFor(
    () =>
      dataFrames('s9')
        .map((f) => f.data)
        .join('')
        .includes('again'),
    2000,
    'the new run',
  );
  expect(
    dataFrames('s9')
      .map((f) => f.data)
      .join(''),
  ).toBe('panic: boom\nstarting again\n');
});

test('a Kubernetes error on open ends the stream with that error', async () => {
  const { fake } = start(['get pods/log']);
  await waitFor(() => socket !== null, 3000, 'connection');
  startLog('s5');
  await waitFor(() => fake.state.logs.length === 1, 2000, 'log request');
  fake.state.logs[0]!.end('container "coredns" in pod "coredns-ccb96694c-7qz2m" is waiting to start: ContainerCreating');
  await waitFor(() => dataFrames('s5').some((f) => f.eof), 2000, 'eof');
  expect(dataFrames('s5').at(-1)!.err).toContain('waiting to start');
});

test('reconnects after the server drops the connection, cancelling open streams', async () => {
  const { fake } = start(['get pods/log']);
  await waitFor(() => socket !== null, 3000, 'connection');
  startLog('s6');
  await waitFor(() => fake.state.logs.length === 1, 2000, 'log request');
  socket!.close(1011, 'replica going away');
  await waitFor(() => fake.state.logs[0]!.aborted, 2000, 'cancel');
  await waitFor(() => upgradeKeys.length === 2 && socket !== null, 5000, 'reconnect');
});

test('a start-log with resumeAfter asks from that second and drops what was already delivered', async () => {
  const { fake } = start(['get pods/log']);
  await waitFor(() => socket !== null, 3000, 'connection');
  startLog('s7', { tailLines: 100, resumeAfter: '2026-06-12T10:00:05.500000000Z' });
  await waitFor(() => fake.state.logs.length === 1, 2000, 'log request');
  expect(fake.state.logs[0]!.options).toMatchObject({ sinceTime: '2026-06-12T10:00:05Z', tailLines: undefined });
  fake.state.logs[0]!.emit('2026-06-12T10:00:05.1Z old\n2026-06-12T10:00:05.5Z delivered\n2026-06-12T10:00:05.7Z new\n');
  await waitFor(() => dataFrames('s7').length >= 1, 2000, 'data');
  expect(
    dataFrames('s7')
      .map((f) => f.data)
      .join(''),
  ).toBe('new\n');
});

test('resumeAfterLines: of the lines sharing the resume timestamp only the delivered ones are dropped', async () => {
  const { fake } = start(['get pods/log']);
  await waitFor(() => socket !== null, 3000, 'connection');
  startLog('s10', { resumeAfter: '2026-06-12T10:00:05.5Z', resumeAfterLines: 2 });
  await waitFor(() => fake.state.logs.length === 1, 2000, 'log request');
  fake.state.logs[0]!.emit('2026-06-12T10:00:05.5Z one\n2026-06-12T10:00:05.5Z two\n2026-06-12T10:00:05.5Z three\n');
  await waitFor(() => dataFrames('s10').length >= 1, 2000, 'data');
  expect(
    dataFrames('s10')
      .map((f) => f.data)
      .join(''),
  ).toBe('three\n');
  expect(dataFrames('s10').at(-1)).toMatchObject({ lastTimestamp: '2026-06-12T10:00:05.5Z', lastTimestampLines: 3 });
});

test('a stream re-sent on a new connection starts again once its old request has closed', async () => {
  const { fake } = start(['get pods/log']);
  await waitFor(() => socket !== null, 3000, 'connection');
  startLog('s8');
  await waitFor(() => fake.state.logs.length === 1, 2000, 'log request');
  socket!.close(1011, 'replica going away');
  await waitFor(() => upgradeKeys.length === 2 && socket !== null, 5000, 'reconnect');
  startLog('s8', { resumeAfter: '2026-06-12T10:00:00Z' });
  await waitFor(() => fake.state.logs.length === 2, 3000, 'second request');
  fake.state.logs[1]!.emit('2026-06-12T10:00:01Z again\n');
  await waitFor(() => dataFrames('s8').some((f) => f.data === 'again\n'), 2000, 'data on the new connection');
});
