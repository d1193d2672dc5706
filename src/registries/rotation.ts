// A rotated credential reaches every cluster that uses it: for each cluster whose applied deployment revision
// holds a pull Secret placeholder naming the registry, an apply of just those placeholders (stamped with the
// deployment and the revision the cluster runs, no prune), so the agent rewrites the Secret with the new
// credential and the labels and annotation it already carries. The credential is filled at delivery as always.
import { parseAllDocuments, stringify } from 'yaml';
import type { Actor } from '../audit/store';
import { findCluster } from '../clusters/store';
import type { CommandSignals } from '../commands/signals';
import { DEFAULT_TTL_SECONDS, queueCommand } from '../commands/service';
import type { Db } from '../db/client';
import { listAppliedTargetsContaining } from '../deployments/store';
import { registryRefOf } from './delivery';
import type { Registry } from './schema';

/** Most clusters one rotation re-delivers to (30 edge sites × a few deployments fits many times over). */
export const MAX_REDELIVERIES = 2000;

export type Redelivery = { clusterId: string; deploymentId: string; revision: number; commandId: string | null; refused: string | null };

/** The pull Secret placeholders of `content` that name `registryId`, as a YAML stream; null when none. */
export function placeholdersFor(content: string, registryId: string): string | null {
  const docs = parseAllDocuments(content)
    .filter((d) => d.errors.length === 0)
    .map((d) => d.toJS() as unknown)
    .filter((doc) => registryRefOf(doc) === registryId);
  return docs.length ? docs.map((d) => stringify(d)).join('---\n') : null;
}

export async function redeliverRegistry(
  db: Db,
  signals: CommandSignals,
  actor: Actor,
  scopeOrgIds: readonly string[],
  registry: Registry,
  now: Date,
): Promise<Redelivery[]> {
  const out: Redelivery[] = [];
  for (const row of await listAppliedTargetsContaining(db, registry.id, MAX_REDELIVERIES)) {
    const manifests = placeholdersFor(row.content, registry.id);
    if (!manifests) continue;
    const base = { clusterId: row.clusterId, deploymentId: row.deploymentId, revision: row.revision };
    const cluster = await findCluster(db, row.clusterId, scopeOrgIds);
    if (!cluster) {
      out.push({ ...base, commandId: null, refused: 'cluster outside your organizations' });
      continue;
    }
    const queued = await queueCommand(
      db,
      signals,
      actor,
      cluster,
      { type: 'apply', payload: { manifests, deployment: { id: row.deploymentId, revision: row.revision } }, ttlSeconds: DEFAULT_TTL_SECONDS },
      now,
    );
    out.push({ ...base, commandId: queued.ok ? queued.command.id : null, refused: queued.ok ? null : queued.message });
  }
  return out;
}
