// Checks the JSON logger: one object per line, level filtering, secrets never printed.
import { expect, test } from 'bun:test';
import { createLogger } from './log.ts';

test('one JSON object per line, with child fields and errors as messages', () => {
  const lines: string[] = [];
  const log = createLogger(
    'info',
    (line) => lines.push(line),
    {},
    () => new Date('2026-06-12T10:00:00Z'),
  );
  log.debug('hidden');
  log.child({ loop: 'heartbeat' }).warn('failed', { attempt: 2, error: new Error('boom') });
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0]!)).toEqual({ time: '2026-06-12T10:00:00.000Z', level: 'warn', msg: 'failed', loop: 'heartbeat', attempt: 2, error: 'boom' });
});

test('tokens and keys are redacted whatever the caller passes', () => {
  const lines: string[] = [];
  const log = createLogger('debug', (line) => lines.push(line));
  log.info('oops', { token: 'niro_et_secret', agentKey: 'niro_ak_secret', Authorization: 'Bearer x' });
  expect(lines[0]).not.toContain('secret');
  expect(lines[0]).not.toContain('Bearer');
});
