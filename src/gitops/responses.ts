// What the GitOps API answers: a deployment's Git source (secrets only as "set" flags), webhook outcomes, pull
// requests with their findings, and the GitHub connection (token never returned).
import { t } from 'elysia';
import { Exact, Integer, Nullable, OneOf, Timestamp } from '../http/responses';
import { GIT_AUTHS, SYNC_STATUSES } from './vocabulary';

export const GitSourceJson = Exact({
  id: t.String({ description: 'Also the webhook id' }),
  deploymentId: t.String(),
  url: t.String(),
  ref: t.String({ description: 'Branch, tag or full commit id' }),
  path: t.String({ description: 'Directory or file inside the repository; "" is the root' }),
  auth: OneOf(GIT_AUTHS),
  username: Nullable(t.String({ description: 'HTTPS user name sent with the token' })),
  credentialSet: t.Boolean({ description: 'Whether a token or deploy key is stored (it is never returned)' }),
  knownHosts: Nullable(t.String({ description: 'known_hosts lines pinning the SSH server; null: the first key seen is accepted' })),
  webhookSecretSet: t.Boolean({ description: 'Whether webhooks are accepted (the secret is never returned)' }),
  webhookPath: t.String({ description: 'Where the Git server POSTs push and pull_request events' }),
  autoApply: t.Boolean(),
  intervalSeconds: Integer({ description: 'Seconds between scheduled syncs; 0 = none' }),
  status: OneOf(SYNC_STATUSES),
  error: Nullable(t.String({ description: 'The Git or render error of the last failed sync' })),
  lastCommit: Nullable(t.String()),
  lastRevision: Nullable(Integer()),
  lastAttemptAt: Nullable(Timestamp),
  lastSyncedAt: Nullable(Timestamp),
  nextSyncAt: Nullable(Timestamp),
});

export const WebhookResultJson = Exact({
  accepted: t.Boolean({ description: 'Whether Niro acts on this delivery' }),
  event: t.String(),
  action: OneOf(['sync', 'check_pull_request', 'none'] as const),
  duplicate: t.Boolean({ description: 'A delivery id already taken: nothing was done again' }),
  reason: Nullable(t.String()),
});

export const PrFindingJson = Exact({
  ruleId: t.String(),
  severity: t.String(),
  title: t.String(),
  message: t.String(),
  subject: t.String({ description: 'namespace/Kind/name of the object' }),
  fix: t.String({ description: 'YAML that fixes it' }),
});

export const PullRequestJson = Exact({
  number: Integer(),
  repository: t.String(),
  title: t.String(),
  url: t.String(),
  state: OneOf(['open', 'closed'] as const),
  headSha: t.String(),
  touches: t.Boolean({ description: 'Whether the head renders differently from the base branch' }),
  findings: t.Array(PrFindingJson),
  error: Nullable(t.String()),
  reported: t.Boolean({ description: 'Whether the status and comment reached GitHub' }),
  reportError: Nullable(t.String()),
  updatedAt: Timestamp,
});

export const PullRequestList = Exact({ pullRequests: t.Array(PullRequestJson) });

export const GithubConnectionJson = Exact({
  orgId: t.String(),
  apiUrl: t.String(),
  account: Nullable(t.String({ description: 'The login the token belongs to' })),
  tokenSet: t.Literal(true),
  updatedAt: Timestamp,
});
export const GithubConnectionList = Exact({ connections: t.Array(GithubConnectionJson) });

export const GitDeploymentJson = Exact({
  deployment: Exact({ id: t.String(), orgId: t.String(), name: t.String(), namespace: t.String() }),
  source: GitSourceJson,
});
