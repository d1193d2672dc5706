// Ownership chains: Pod → ReplicaSet → Deployment, Pod → Job → CronJob.
import type { OwnerRef } from '../../src/contract/index.ts';
import { LIMITS } from '../../src/contract/index.ts';
import type { OwnedObject, OwnerReference } from '../kube-objects.ts';
import { clampText } from './text.ts';

/** Owners looked up by "Kind/namespace/name"; built from the ReplicaSets and Jobs listed this beat. */
export type OwnerIndex = Map<string, OwnerReference[]>;

/** What resolving a chain reads: a built index, or the watch-fed view's owner records. */
export type OwnerLookup = Pick<OwnerIndex, 'get'>;

export function ownerKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** Indexes the owner references of intermediate owners (ReplicaSets, Jobs) by kind/namespace/name. */
export function buildOwnerIndex(kind: string, objects: OwnedObject[], index: OwnerIndex = new Map()): OwnerIndex {
  for (const object of objects) {
    const refs = object.metadata.ownerReferences ?? [];
    index.set(ownerKey(kind, object.metadata.namespace ?? '', object.metadata.name), refs);
  }
  return index;
}

/** The controller reference if one is marked, else the first (kubectl and the GC prefer the controller). */
function pickOwner(refs: OwnerReference[] | undefined): OwnerReference | undefined {
  if (!refs || refs.length === 0) return undefined;
  return refs.find((r) => r.controller) ?? refs[0];
}

/**
 * Follows controller owners from a pod upwards through the index, nearest first. Stops where the
 * index has no entry (the owner wasn't listed — e.g. Jobs aren't readable — or has no owner itself).
 */
export function resolveOwnerChain(namespace: string, refs: OwnerReference[] | undefined, index: OwnerLookup): OwnerRef[] {
  const chain: OwnerRef[] = [];
  let owner = pickOwner(refs);
  while (owner && chain.length < LIMITS.ownerChainDepth) {
    chain.push({ kind: clampText(owner.kind, LIMITS.word), name: clampText(owner.name, LIMITS.name) });
    owner = pickOwner(index.get(ownerKey(owner.kind, namespace, owner.name)));
  }
  return chain;
}
