// Database errors that are expected outcomes, recognised whichever driver raised them.

type DriverError = { code?: string; constraint_name?: string; constraint?: string; cause?: unknown };

/**
 * The constraint a unique violation (SQLSTATE 23505) broke, or null when `e` is anything else.
 * postgres.js names it `constraint_name`, PGlite `constraint`; drizzle wraps either as `cause`.
 */
export function violatedUniqueConstraint(e: unknown): string | null {
  for (let err = e as DriverError | undefined, hops = 0; err && hops < 3; err = err.cause as DriverError | undefined, hops++) {
    if (err.code === '23505') return err.constraint_name ?? err.constraint ?? '';
  }
  return null;
}

/** postgres.js's own codes for a connection it lost or could not open, and the socket's. */
const CONNECTION_CODES: readonly string[] = [
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
];

/**
 * Whether `e` says the database cannot be reached right now (down, restarting, failing over) rather than that a
 * query is wrong: a refused or lost connection, or Postgres shutting down (57P01–57P03) or refusing connections
 * while it starts (class 08). Such a request is worth retrying; it is not a bug.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (let err = e as DriverError | undefined, hops = 0; err && typeof err === 'object' && hops < 3; err = err.cause as DriverError | undefined, hops++) {
    const code = err.code;
    if (typeof code !== 'string') continue;
    if (CONNECTION_CODES.includes(code) || code === '57P01' || code === '57P02' || code === '57P03' || code.startsWith('08')) return true;
  }
  return false;
}
