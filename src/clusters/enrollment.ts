// Enrollment: a single-use token, valid one hour, exchanged once for the cluster's long-lived agent key.
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { ClusterFacts } from '../contract';
import { mintSecret, parseSecret, secretMatches } from '../security/secrets';
import { auditedSince, recordAudit } from '../audit/store';
import { clusters, enrollmentTokens } from './schema';
import { addTimeline } from './timeline';

export const ENROLLMENT_TOKEN_PREFIX = 'niro_enr';
export const AGENT_KEY_PREFIX = 'niro_agent';
export const ENROLLMENT_TOKEN_TTL_MS = 60 * 60 * 1000;
/**
 * A spent token tried again is audited once per address and window: the first try is the signal (a
 * leaked token, a copied install command); a script retrying it 999 times would otherwise bury the
 * log under 999 identical rows.
 */
export const REUSE_AUDIT_WINDOW_MS = 60 * 60 * 1000;

/** The command an operator pastes on the cluster (install.sh is served by the control plane). */
export function installCommand(publicUrl: string, token: string): string {
  return `curl -fsSL ${publicUrl}/install.sh | NIRO_TOKEN=${token} sh`;
}

export type IssuedToken = { token: string; publicId: string; expiresAt: Date };
export type IssueResult = { ok: true; issued: IssuedToken } | { ok: false; reason: 'enrolled' | 'not_found' };

/**
 * A new token for a cluster that has not enrolled yet. Any earlier unused token dies with it, so
 * at most one token per cluster is ever valid.
 */
export async function issueEnrollmentToken(db: Db, clusterId: string, userId: string | null, now: Date = new Date()): Promise<IssueResult> {
  return db.transaction(async (tx) => {
    const [cluster] = await tx.select({ enrolledAt: clusters.enrolledAt }).from(clusters).where(eq(clusters.id, clusterId)).for('update');
    if (!cluster) return { ok: false as const, reason: 'not_found' as const };
    if (cluster.enrolledAt) return { ok: false as const, reason: 'enrolled' as const };
    await tx
      .update(enrollmentTokens)
      .set({ revokedAt: now })
      .where(and(eq(enrollmentTokens.clusterId, clusterId), isNull(enrollmentTokens.consumedAt), isNull(enrollmentTokens.revokedAt)));
    const minted = mintSecret(ENROLLMENT_TOKEN_PREFIX);
    const expiresAt = new Date(now.getTime() + ENROLLMENT_TOKEN_TTL_MS);
    await tx
      .insert(enrollmentTokens)
      .values({ clusterId, publicId: minted.publicId, secretHash: minted.secretHash, createdBy: userId, createdAt: now, expiresAt });
    return { ok: true as const, issued: { token: minted.token, publicId: minted.publicId, expiresAt } };
  });
}

export type ExchangeResult =
  | { ok: true; clusterId: string; agentKey: string }
  | { ok: false; reason: 'malformed' | 'unknown' | 'expired' | 'reused' | 'revoked' };

/**
 * Exchanges a token for a fresh agent key. The consuming UPDATE is the only gate: it succeeds for
 * exactly one of any number of concurrent exchanges of the same token. Callers answer every failure
 * the same way (the reason is for the audit log, never for the client).
 */
export async function exchangeEnrollmentToken(
  db: Db,
  input: { token: string; agentVersion: string; protocol: number; facts?: ClusterFacts; ip: string | null },
  now: Date = new Date(),
): Promise<ExchangeResult> {
  const parts = parseSecret(ENROLLMENT_TOKEN_PREFIX, input.token);
  if (!parts) return { ok: false, reason: 'malformed' };
  const [row] = await db.select().from(enrollmentTokens).where(eq(enrollmentTokens.publicId, parts.publicId));
  if (!row || !secretMatches(parts.secret, row.secretHash)) return { ok: false, reason: 'unknown' };
  const tokenRef = `${ENROLLMENT_TOKEN_PREFIX}_${row.publicId}`;
  return db.transaction(async (tx) => {
    const [consumed] = await tx
      .update(enrollmentTokens)
      .set({ consumedAt: now })
      .where(and(eq(enrollmentTokens.id, row.id), isNull(enrollmentTokens.consumedAt), isNull(enrollmentTokens.revokedAt), gt(enrollmentTokens.expiresAt, now)))
      .returning({ id: enrollmentTokens.id });
    const [cluster] = await tx
      .select({ orgId: clusters.orgId, name: clusters.name, enrolledAt: clusters.enrolledAt })
      .from(clusters)
      .where(eq(clusters.id, row.clusterId))
      .for('update');
    if (!consumed || !cluster || cluster.enrolledAt) {
      // Read after the failed update: a concurrent winner's consumed_at is visible now.
      const [latest] = await tx.select({ consumedAt: enrollmentTokens.consumedAt }).from(enrollmentTokens).where(eq(enrollmentTokens.id, row.id));
      const reason = latest?.consumedAt || cluster?.enrolledAt ? 'reused' : row.revokedAt ? 'revoked' : 'expired';
      // The cluster row is locked (FOR UPDATE above), so concurrent retries check and record one at a time.
      if (reason === 'reused' && cluster) {
        const event = { orgId: cluster.orgId, action: 'cluster.enroll_token_reused', target: row.clusterId, ip: input.ip };
        if (!(await auditedSince(tx, { ...event, token: tokenRef }, new Date(now.getTime() - REUSE_AUDIT_WINDOW_MS)))) {
          await recordAudit(tx, { ...event, actor: 'agent', details: { token: tokenRef, cluster: cluster.name } });
        }
      }
      return { ok: false as const, reason };
    }
    const key = mintSecret(AGENT_KEY_PREFIX);
    await tx
      .update(clusters)
      .set({
        enrolledAt: now,
        agentKeyPublicId: key.publicId,
        agentKeyHash: key.secretHash,
        agentVersion: input.agentVersion,
        protocol: input.protocol,
        k8sVersion: input.facts?.k8sVersion ?? null,
        distribution: input.facts?.distribution ?? null,
        platform: input.facts?.platform ?? null,
      })
      .where(eq(clusters.id, row.clusterId));
    const facts = input.facts ? `, ${input.facts.distribution} ${input.facts.k8sVersion}` : '';
    await addTimeline(
      tx,
      row.clusterId,
      [
        {
          kind: 'enrolled',
          message: `Agent ${input.agentVersion} enrolled (protocol ${input.protocol}${facts})`,
          details: { agentVersion: input.agentVersion, protocol: input.protocol, ip: input.ip },
        },
      ],
      now,
    );
    await recordAudit(tx, {
      orgId: cluster.orgId,
      actor: 'agent',
      action: 'cluster.enroll',
      target: row.clusterId,
      details: { token: tokenRef, agentKey: `${AGENT_KEY_PREFIX}_${key.publicId}`, agentVersion: input.agentVersion },
      ip: input.ip,
    });
    return { ok: true as const, clusterId: row.clusterId, agentKey: key.token };
  });
}
