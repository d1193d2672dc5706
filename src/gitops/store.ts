// Queries of the GitOps domain: sources (with the sync scheduler's lease), webhook deliveries, GitHub connections and
// pull requests. Plain functions, executor first; sealed secrets go in and out as stored.
import { and, asc, desc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { gitPullRequests, gitSources, gitWebhookDeliveries, githubConnections, type GitPullRequest, type GitSource, type GithubConnection } from './schema';

export type NewGitSource = Omit<typeof gitSources.$inferInsert, 'createdAt' | 'updatedAt'>;

export async function insertSource(db: Db, source: NewGitSource): Promise<GitSource> {
  const [row] = await db.insert(gitSources).values(source).returning();
  return row;
}

export type SourcePatch = Partial<
  Pick<
    GitSource,
    | 'url'
    | 'ref'
    | 'path'
    | 'auth'
    | 'username'
    | 'credentialSealed'
    | 'knownHosts'
    | 'webhookSecretSealed'
    | 'autoApply'
    | 'intervalSeconds'
    | 'status'
    | 'error'
    | 'lastCommit'
    | 'lastRevision'
    | 'nextSyncAt'
  >
>;

export async function updateSource(db: Db, id: string, patch: SourcePatch): Promise<GitSource | null> {
  const [row] = await db
    .update(gitSources)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(gitSources.id, id))
    .returning();
  return row ?? null;
}

export async function deleteSource(db: Db, id: string): Promise<void> {
  await db.delete(gitSources).where(eq(gitSources.id, id));
}

/** A source by id, unscoped: for the webhook (which proves itself with the signature) and the scheduler. */
export async function findSource(db: Db, id: string): Promise<GitSource | null> {
  const [row] = await db.select().from(gitSources).where(eq(gitSources.id, id));
  return row ?? null;
}

export async function findSourceOfDeployment(db: Db, deploymentId: string): Promise<GitSource | null> {
  const [row] = await db.select().from(gitSources).where(eq(gitSources.deploymentId, deploymentId));
  return row ?? null;
}

/** Sources of these deployments, by deployment id (list pages). */
export async function listSourcesOf(db: Db, deploymentIds: readonly string[]): Promise<Map<string, GitSource>> {
  if (deploymentIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(gitSources)
    .where(inArray(gitSources.deploymentId, [...deploymentIds]));
  return new Map(rows.map((r) => [r.deploymentId, r]));
}

/**
 * Takes `id` for a sync until `now + leaseMs` unless another sync holds it; null when one does. A replica that dies
 * mid-sync loses its lease when it lapses.
 */
export async function claimSource(db: Db, id: string, now: Date, leaseMs: number): Promise<GitSource | null> {
  const [row] = await db
    .update(gitSources)
    .set({ claimedUntil: new Date(now.getTime() + leaseMs), lastAttemptAt: now })
    .where(and(eq(gitSources.id, id), or(isNull(gitSources.claimedUntil), lt(gitSources.claimedUntil, now))))
    .returning();
  return row ?? null;
}

/** Claims up to `limit` sources whose next sync is due, oldest first, skipping those another replica is claiming. */
export async function claimDueSources(db: Db, now: Date, leaseMs: number, limit: number): Promise<GitSource[]> {
  const due = db
    .select({ id: gitSources.id })
    .from(gitSources)
    .where(and(lte(gitSources.nextSyncAt, now), or(isNull(gitSources.claimedUntil), lt(gitSources.claimedUntil, now))))
    .orderBy(asc(gitSources.nextSyncAt))
    .limit(limit)
    .for('update', { skipLocked: true });
  return db
    .update(gitSources)
    .set({ claimedUntil: new Date(now.getTime() + leaseMs), lastAttemptAt: now })
    .where(inArray(gitSources.id, due))
    .returning();
}

/** Ends a claim: the sync's outcome, and when the scheduler comes back (null: on demand only). */
export async function finishSync(db: Db, id: string, outcome: SourcePatch & { lastSyncedAt?: Date }, next: Date): Promise<void> {
  await db
    .update(gitSources)
    .set({ ...outcome, claimedUntil: null, nextSyncAt: next, updatedAt: new Date() })
    .where(eq(gitSources.id, id));
}

/** Asks for a sync as soon as a worker is free (a webhook, a click). */
export async function requestSync(db: Db, id: string, now: Date): Promise<void> {
  await db.update(gitSources).set({ nextSyncAt: now }).where(eq(gitSources.id, id));
}

/** Records a webhook delivery; false when this source already took one with this id (a redelivery or a replay). */
export async function recordDelivery(db: Db, sourceId: string, deliveryId: string, event: string): Promise<boolean> {
  const rows = await db
    .insert(gitWebhookDeliveries)
    .values({ sourceId, deliveryId, event })
    .onConflictDoNothing()
    .returning({ id: gitWebhookDeliveries.deliveryId });
  return rows.length === 1;
}

/** Forgets deliveries older than `before` (GitHub redelivers within days, not weeks). */
export async function pruneDeliveries(db: Db, before: Date): Promise<void> {
  await db.delete(gitWebhookDeliveries).where(lt(gitWebhookDeliveries.receivedAt, before));
}

export async function findGithubConnection(db: Db, orgId: string): Promise<GithubConnection | null> {
  const [row] = await db.select().from(githubConnections).where(eq(githubConnections.orgId, orgId));
  return row ?? null;
}

/** The connections of these orgs (settings page). */
export async function listGithubConnections(db: Db, orgIds: readonly string[]): Promise<GithubConnection[]> {
  if (orgIds.length === 0) return [];
  return db
    .select()
    .from(githubConnections)
    .where(inArray(githubConnections.orgId, [...orgIds]))
    .orderBy(asc(githubConnections.createdAt));
}

export async function upsertGithubConnection(db: Db, row: typeof githubConnections.$inferInsert): Promise<GithubConnection> {
  const [saved] = await db
    .insert(githubConnections)
    .values(row)
    .onConflictDoUpdate({
      target: githubConnections.orgId,
      set: { apiUrl: row.apiUrl, tokenSealed: row.tokenSealed, account: row.account ?? null, updatedAt: new Date() },
    })
    .returning();
  return saved;
}

export async function deleteGithubConnection(db: Db, orgId: string): Promise<boolean> {
  const rows = await db.delete(githubConnections).where(eq(githubConnections.orgId, orgId)).returning({ id: githubConnections.id });
  return rows.length > 0;
}

/** Records what reporting to GitHub did: the comment it keeps (id), or why it failed. */
export async function markPullRequestReported(
  db: Db,
  sourceId: string,
  number: number,
  report: { commentId?: string; error: string | null },
  now: Date,
): Promise<void> {
  await db
    .update(gitPullRequests)
    .set({ ...(report.commentId ? { commentId: report.commentId } : {}), reportError: report.error, reportedAt: now })
    .where(and(eq(gitPullRequests.sourceId, sourceId), eq(gitPullRequests.number, number)));
}

export async function findPullRequest(db: Db, sourceId: string, number: number): Promise<GitPullRequest | null> {
  const [row] = await db
    .select()
    .from(gitPullRequests)
    .where(and(eq(gitPullRequests.sourceId, sourceId), eq(gitPullRequests.number, number)));
  return row ?? null;
}

export async function upsertPullRequest(db: Db, row: Omit<typeof gitPullRequests.$inferInsert, 'updatedAt'>): Promise<GitPullRequest> {
  const now = new Date();
  const [saved] = await db
    .insert(gitPullRequests)
    .values({ ...row, updatedAt: now })
    .onConflictDoUpdate({
      target: [gitPullRequests.sourceId, gitPullRequests.number],
      set: {
        repository: row.repository,
        title: row.title,
        url: row.url,
        state: row.state,
        headSha: row.headSha,
        touches: row.touches,
        findings: row.findings ?? [],
        error: row.error ?? null,
        updatedAt: now,
      },
    })
    .returning();
  return saved;
}

/** The newest pull requests of a source (deployment page), open ones first. */
export async function listPullRequests(db: Db, sourceId: string, limit: number): Promise<GitPullRequest[]> {
  return db
    .select()
    .from(gitPullRequests)
    .where(eq(gitPullRequests.sourceId, sourceId))
    .orderBy(desc(sql`${gitPullRequests.state} = 'open'`), desc(gitPullRequests.updatedAt))
    .limit(limit);
}
