// A known fault of the Postgres driver that must not end the process: postgres.js (3.4.x, still in 3.4.9) defers a
// small write to a later tick, and when the connection is lost in between it writes to the socket it has already
// dropped (porsager/postgres#1066, #1208). The TypeError is thrown from that deferred callback, outside any query's
// promise, so no caller can catch it, and every replica would exit the moment Postgres restarts or fails over.
// The query the write belonged to has failed already through the connection's close, so the write is moot.
import { createLogger } from '../log';

/** Whether `e` is that fault: the driver's deferred write on a connection that is gone. */
export function isDriverWriteAfterClose(e: unknown): boolean {
  if (!(e instanceof TypeError)) return false;
  const stack = e.stack ?? '';
  return /socket\.write|reading 'write'/.test(e.message) && /nextWrite/.test(stack) && /postgres[\\/]src[\\/]connection\.js/.test(stack);
}

/** Logs the driver's fault and carries on; anything else stays as fatal as it always was. */
function onUncaughtException(e: unknown): void {
  const log = createLogger('warn');
  if (isDriverWriteAfterClose(e)) {
    log.warn('database connection lost mid-write; the write was dropped (its query had failed already)');
    return;
  }
  log.error('uncaught exception', { error: String((e as Error)?.stack ?? e) });
  process.exit(1);
}

/** Installs the guard once per process (every server started in it shares it); it stays for the process's life. */
export function tolerateDriverWriteAfterClose(): void {
  if (!process.listeners('uncaughtException').includes(onUncaughtException)) process.on('uncaughtException', onUncaughtException);
}
