// Self-heal: drift seen on a cluster re-applies the revision there, audited. Its bound: when drift comes back after a heal, the next heal waits longer (1 min, 2, 4, … up to
// 1 h), so a fight with another controller that rewrites the same field settles into one apply an hour
// instead of a loop. The bound is pure (decideHeal); time is a parameter throughout.
import type { Db } from '../db/client';
import { recordAudit } from '../audit/store';
import { findTarget } from './store';
import { driftOfDeployment } from './ops';
import { findHeal, listSelfHealingDeployments, writeHeal } from './waves-store';
import type { DeploymentHeal } from './waves-schema';

export const HEAL_BASE_MS = 60_000;
export const HEAL_MAX_MS = 3_600_000;
/** A heal this long after the previous one starts a new streak: the last fight is over. */
export const HEAL_STREAK_RESET_MS = 2 * HEAL_MAX_MS;

export type HealDecision = { heal: false; retryAt: Date } | { heal: true; streak: number; nextAllowedAt: Date };

/** Whether drift seen at `now` may be healed, and if so the bound the heal sets for the next one. */
export function decideHeal(prev: Pick<DeploymentHeal, 'lastHealAt' | 'streak' | 'nextAllowedAt'> | null, now: Date): HealDecision {
  if (prev && now.getTime() < prev.nextAllowedAt.getTime()) return { heal: false, retryAt: prev.nextAllowedAt };
  const streak = prev && now.getTime() - prev.lastHealAt.getTime() < HEAL_STREAK_RESET_MS ? prev.streak + 1 : 1;
  const waitMs = Math.min(HEAL_MAX_MS, HEAL_BASE_MS * 2 ** Math.min(streak - 1, 20));
  return { heal: true, streak, nextAllowedAt: new Date(now.getTime() + waitMs) };
}

/** How many self-healing deployments one pass looks at, and how many objects an audit entry names. */
export const HEAL_DEPLOYMENTS_PER_PASS = 500;
const AUDITED_OBJECTS = 10;

/** Puts `revision` of a deployment on one cluster again, on behalf of `onBehalfOf`; a refusal is a message. */
export type ApplyOne = (
  db: Db,
  deploymentId: string,
  revision: number,
  clusterId: string,
  onBehalfOf: string,
) => Promise<{ ok: true } | { ok: false; message: string }>;

export type HealOutcome = { deploymentId: string; clusterId: string; revision: number; healed: boolean; message: string | null };

/**
 * One self-heal pass at `now`: for every deployment with self-heal on, each cluster whose managed objects
 * drifted (and has no apply in flight) gets its current revision applied again, within the bound of
 * decideHeal. Each heal (and each refused attempt) is audited as `niro` and moves the bound, so a refusal
 * is not retried faster than a heal would be.
 */
export async function healDrift(db: Db, now: Date, apply: ApplyOne): Promise<HealOutcome[]> {
  const out: HealOutcome[] = [];
  for (const d of await listSelfHealingDeployments(db, HEAL_DEPLOYMENTS_PER_PASS)) {
    if (!d.enabledBy) continue;
    const drift = await driftOfDeployment(db, d.id);
    for (const [clusterId, objects] of drift) {
      const target = await findTarget(db, d.id, clusterId);
      if (!target || target.status !== 'applied' || target.appliedRevision === null) continue;
      const decision = decideHeal(await findHeal(db, d.id, clusterId), now);
      if (!decision.heal) continue;
      const res = await apply(db, d.id, target.appliedRevision, clusterId, d.enabledBy);
      await writeHeal(db, { deploymentId: d.id, clusterId, lastHealAt: now, streak: decision.streak, nextAllowedAt: decision.nextAllowedAt });
      const message = res.ok ? null : res.message;
      await recordAudit(db, {
        orgId: d.orgId,
        actorUserId: d.enabledBy,
        actor: 'niro',
        action: 'deployment.self-heal',
        target: d.id,
        details: {
          name: d.name,
          clusterId,
          revision: target.appliedRevision,
          drift: objects.slice(0, AUDITED_OBJECTS).map((o) => ({ object: `${o.kind} ${o.namespace}/${o.name}`, fields: o.fields.slice(0, AUDITED_OBJECTS) })),
          streak: decision.streak,
          nextAllowedAt: decision.nextAllowedAt.toISOString(),
          ...(message ? { refused: message } : {}),
        },
      });
      out.push({ deploymentId: d.id, clusterId, revision: target.appliedRevision, healed: res.ok, message });
    }
  }
  return out;
}
