// The words of log streams and workload tails that the API, the service and the viewer share. Pure (no db,
// no config), so views and browser scripts import it too.

/** What kept a pod (or one of its containers) out of a workload tail. */
export const SKIP_CAUSES = ['logs_not_enabled', 'too_many_streams', 'container'] as const;
export type SkipCause = (typeof SKIP_CAUSES)[number];
