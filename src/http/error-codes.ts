// Every `error.code` the control plane answers, with its HTTP status and what it means: one closed list,
// so a client can switch on the code. The README's error table and the OpenAPI document's Error schema
// are made from it. Pure (no db, no config), so views import it too.

export type ErrorCodeInfo = { status: number; meaning: string };

export const ERROR_CODES = {
  invalid_request: { status: 400, meaning: 'A path, query or body value is invalid; the message names the field, and for a closed list the values it accepts' },
  malformed_body: { status: 400, meaning: 'The body could not be parsed (malformed JSON, form data or gzip)' },
  bad_cookie: { status: 400, meaning: 'A cookie was tampered with; sign in again' },
  forbidden_target: { status: 400, meaning: 'The command names an object Niro never touches (a namespace, a cluster-scoped object)' },
  invalid_heartbeat: { status: 400, meaning: 'A heartbeat body does not match its protocol’s schema; the message names the field' },
  unsupported_protocol: { status: 400, meaning: 'The agent speaks a protocol older than the oldest supported; upgrade it' },
  unauthorized: { status: 401, meaning: 'No credentials, or the wrong kind (a user token on an agent endpoint, an agent key on a user endpoint)' },
  invalid_token: { status: 401, meaning: 'The enrollment token is invalid, expired or already used' },
  invalid_agent_key: { status: 401, meaning: 'The agent key is malformed or unknown' },
  cluster_deleted: { status: 401, meaning: 'The agent key belongs to a cluster deleted from Niro; uninstall the agent' },
  bad_signature: { status: 401, meaning: 'A Git webhook’s signature (X-Hub-Signature-256) is missing or does not match its body; nothing was done' },
  forbidden: { status: 403, meaning: 'Your role in the organization does not allow this, or the CSRF token is missing' },
  owner_only: { status: 403, meaning: 'Only an owner of the organization can make, change or remove an owner' },
  forbidden_origin: { status: 403, meaning: 'A cross-origin WebSocket was refused' },
  logs_not_enabled: { status: 403, meaning: 'The cluster’s agent does not report the logs capability; the message gives the command that enables it' },
  not_found: { status: 404, meaning: 'No such resource in your organizations (one outside them answers the same)' },
  name_taken: { status: 409, meaning: 'Another cluster, deployment or registry of the organization has this name' },
  already_enrolled: { status: 409, meaning: 'The cluster is enrolled; its agent uses its key, not a token' },
  already_member: { status: 409, meaning: 'The user is already a member of the organization; change their role instead' },
  already_reported: { status: 409, meaning: 'A result for this command was already recorded' },
  not_delivered: { status: 409, meaning: 'The command has not been delivered to the agent yet' },
  last_owner: { status: 409, meaning: 'An organization must keep at least one owner' },
  plan_below_child: { status: 409, meaning: 'A child organization has a higher plan; lower it first' },
  incident_not_open: { status: 409, meaning: 'The incident is resolved already; acknowledge or resolve only open ones' },
  already_acknowledged: { status: 409, meaning: 'Someone acknowledged the incident already' },
  rollout_active: { status: 409, meaning: 'The organization already has a running or paused agent rollout; finish or abort it first' },
  nothing_to_update: {
    status: 409,
    meaning: 'No cluster of the rollout can update: all are on the offered agent version, lack the self-update capability, or are in another rollout',
  },
  rollout_finished: { status: 409, meaning: 'The rollout is not in a status this action applies to (e.g. resume a running one, pause a completed one)' },
  deployment_deleted: { status: 409, meaning: 'The deployment is deleted or being deleted: it takes no new revision, apply or rollback' },
  sync_running: { status: 409, meaning: 'A sync of this Git source is running already; its outcome shows on the deployment' },
  deployment_rollout_active: { status: 409, meaning: 'The deployment already has a running or paused rollout in waves; resume, finish or abort it first' },
  not_applied: { status: 409, meaning: 'No revision was ever sent to this cluster for the deployment, so there is nothing to apply again' },
  capability_missing: { status: 409, meaning: 'The command needs a capability (apply) the cluster’s agent does not report' },
  payload_too_large: { status: 413, meaning: 'The body is over the size limit (after gzip decompression)' },
  unsupported_media_type: { status: 415, meaning: 'The body is text or bytes where the endpoint takes JSON or a form' },
  unsupported_encoding: { status: 415, meaning: 'Content-Encoding other than gzip' },
  too_deep: { status: 422, meaning: 'The organization tree may not be deeper than 5 levels' },
  plan_above_parent: { status: 422, meaning: 'An organization’s plan may not exceed its parent’s' },
  rate_limited: { status: 429, meaning: 'Too many requests; retry after the Retry-After header' },
  too_many_polls: { status: 429, meaning: 'The cluster already holds the most command long-polls a replica keeps' },
  too_many_streams: { status: 429, meaning: 'The per-cluster or per-organization cap on open log streams is reached' },
  internal: { status: 500, meaning: 'A bug on the server; it has been logged' },
  busy_decompressing: { status: 503, meaning: 'The replica is decompressing as much as it allows at once; retry after the Retry-After header' },
  database_unavailable: { status: 503, meaning: 'The database is unreachable (restarting or failing over); retry after the Retry-After header' },
  overloaded: {
    status: 503,
    meaning: 'The replica is storing as many heartbeats as it allows and its line is full; retry after the Retry-After header (spread over the next interval)',
  },
  agent_timeout: { status: 504, meaning: 'The cluster’s agent did not answer in time' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes, in the order above (the documentation's order). */
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];
