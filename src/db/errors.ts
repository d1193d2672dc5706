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
