// The words a command is described with. Pure (no db, no config): the store, the API and the views share them.

/**
 * queued → delivered (one long-poll claimed it) → succeeded | failed (the agent's result).
 * expired: not delivered by expires_at, or delivered and no result within the result timeout.
 * A late result still lands (the agent did run it), turning expired into succeeded/failed.
 */
export const COMMAND_STATUSES = ['queued', 'delivered', 'succeeded', 'failed', 'expired'] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];
