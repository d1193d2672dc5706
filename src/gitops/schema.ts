import { pgTable, uuid, text, timestamp, integer, boolean, jsonb, index, uniqueIndex, check, primaryKey } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { orgs } from '../orgs/schema';
import { users } from '../accounts/schema';
import { deployments } from '../deployments/schema';
import type { GitAuth, PrFinding, PrState, SyncStatus } from './vocabulary';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * Where a deployment's manifests come from in Git (one source per deployment), and how its last sync went. The id is
 * also the webhook's: POST /v1/integrations/git/webhook/<id>.
 */
export const gitSources = pgTable(
  'git_sources',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    /** The deployment's org (scoping, and which GitHub connection reports on its pull requests). */
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    /** Branch, tag or full commit id. */
    ref: text('ref').notNull(),
    /** Directory (or one file) inside the repository; '' is the root. */
    path: text('path').notNull().default(''),
    auth: text('auth').$type<GitAuth>().notNull().default('none'),
    /** HTTPS basic-auth user name that goes with the token. */
    username: text('username'),
    /** The token or the SSH private key, sealed (context `git-source:<id>:credential`); null with auth 'none'. */
    credentialSealed: text('credential_sealed'),
    /** known_hosts lines pinning the SSH server's key; null: the first key seen is accepted. */
    knownHosts: text('known_hosts'),
    /** The webhook's HMAC secret, sealed (context `git-source:<id>:webhook`); null: webhooks are refused. */
    webhookSecretSealed: text('webhook_secret_sealed'),
    /** Apply a new revision from Git at once; otherwise the deployment shows "out of sync" and waits for a click. */
    autoApply: boolean('auto_apply').notNull().default(false),
    /** Seconds between scheduled syncs; 0: only on demand and on webhooks. */
    intervalSeconds: integer('interval_seconds').notNull().default(180),
    status: text('status').$type<SyncStatus>().notNull().default('pending'),
    /** The Git or render error of the last failed sync. */
    error: text('error'),
    /** The commit the last successful sync rendered. */
    lastCommit: text('last_commit'),
    /** The revision that commit made or matched. */
    lastRevision: integer('last_revision'),
    lastAttemptAt: ts('last_attempt_at'),
    lastSyncedAt: ts('last_synced_at'),
    /** When the scheduler syncs it next; a webhook or a click sets it to now. */
    nextSyncAt: ts('next_sync_at').notNull().defaultNow(),
    /** A replica syncing it holds it until then (a lease: a crashed replica's claim lapses). */
    claimedUntil: ts('claimed_until'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('git_sources_deployment_idx').on(t.deploymentId),
    index('git_sources_org_idx').on(t.orgId),
    index('git_sources_due_idx').on(t.nextSyncAt),
    check('git_sources_auth_check', sql`${t.auth} in ('none','token','ssh')`),
    check('git_sources_status_check', sql`${t.status} in ('pending','synced','out_of_sync','failed')`),
    check('git_sources_interval_check', sql`${t.intervalSeconds} = 0 or ${t.intervalSeconds} between 30 and 86400`),
  ],
);

/** Webhook deliveries already taken, so a redelivered (or replayed) one does not sync twice. Pruned after a week. */
export const gitWebhookDeliveries = pgTable(
  'git_webhook_deliveries',
  {
    sourceId: uuid('source_id')
      .notNull()
      .references(() => gitSources.id, { onDelete: 'cascade' }),
    deliveryId: text('delivery_id').notNull(),
    event: text('event').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sourceId, t.deliveryId] }), index('git_webhook_deliveries_received_idx').on(t.receivedAt)],
);

/** An org's connection to GitHub (or GitHub Enterprise): how Niro reports on pull requests. */
export const githubConnections = pgTable(
  'github_connections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    /** REST API base, e.g. https://api.github.com or https://ghe.example.com/api/v3 (no trailing slash). */
    apiUrl: text('api_url').notNull(),
    /** The token, sealed (context `github-connection:<id>:token`). */
    tokenSealed: text('token_sealed').notNull(),
    /** The login the token belongs to, as GitHub answered when it was connected. */
    account: text('account'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('github_connections_org_idx').on(t.orgId)],
);

/** A pull request against a source's branch: the policy findings at its head commit, and what was reported back. */
export const gitPullRequests = pgTable(
  'git_pull_requests',
  {
    sourceId: uuid('source_id')
      .notNull()
      .references(() => gitSources.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    repository: text('repository').notNull(),
    title: text('title').notNull(),
    url: text('url').notNull(),
    state: text('state').$type<PrState>().notNull(),
    headSha: text('head_sha').notNull(),
    /** Whether the head renders differently from the base (false: the pull request does not touch the deployment). */
    touches: boolean('touches').notNull(),
    findings: jsonb('findings').$type<PrFinding[]>().notNull().default([]),
    /** The render error at the head commit, if it failed. */
    error: text('error'),
    /** GitHub's id of the one comment Niro keeps on the pull request (edited on later pushes). */
    commentId: text('comment_id'),
    /** What the last report to GitHub did, or why it failed. */
    reportError: text('report_error'),
    reportedAt: ts('reported_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sourceId, t.number] }), check('git_pull_requests_state_check', sql`${t.state} in ('open','closed')`)],
);

export type GitSource = typeof gitSources.$inferSelect;
export type GithubConnection = typeof githubConnections.$inferSelect;
export type GitPullRequest = typeof gitPullRequests.$inferSelect;
