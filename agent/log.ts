// JSON logs, one object per line on stdout, for `kubectl logs` and any log shipper.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. { loop: 'heartbeat' }). */
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values never reach a log line, whatever a caller passes. */
const SECRET_FIELDS: ReadonlySet<string> = new Set(['token', 'key', 'agentkey', 'authorization', 'password', 'niro_token']);

export function isLogLevel(value: string): value is LogLevel {
  return value in ORDER;
}

function toLoggable(value: unknown): unknown {
  if (value instanceof Error) return value.message;
  return value;
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  base: LogFields = {},
  now: () => Date = () => new Date(),
): Logger {
  const emit = (lineLevel: LogLevel, message: string, fields?: LogFields): void => {
    if (ORDER[lineLevel] < ORDER[level]) return;
    const line: LogFields = { time: now().toISOString(), level: lineLevel, msg: message };
    for (const [name, value] of Object.entries({ ...base, ...fields })) {
      line[name] = SECRET_FIELDS.has(name.toLowerCase()) ? '[redacted]' : toLoggable(value);
    }
    write(JSON.stringify(line));
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (fields) => createLogger(level, write, { ...base, ...fields }, now),
  };
}
