// What operators do to registry credentials, for the API and the pages alike: checked before any write, the
// password sealed before it reaches the database, every change audited with the fields that changed (never a
// password, whose only trace is `passwordRotated: true`).
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client';
import type { Actor } from '../audit/store';
import { recordAudit } from '../audit/store';
import type { SecretBox } from '../security/encryption';
import { checkRegistryInput, MASKED_PASSWORD, MAX_REGISTRIES_PER_ORG, passwordContext, type RegistryInput } from './credentials';
import type { Registry } from './schema';
import { countRegistries, deleteRegistry, findRegistryByName, insertRegistry, updateRegistry } from './store';

export type RegistryOutcome = { ok: true; registry: Registry } | { ok: false; status: 400 | 404 | 409; message: string };

export async function createRegistry(db: Db, box: SecretBox, actor: Actor, orgId: string, input: RegistryInput, now: Date): Promise<RegistryOutcome> {
  const checked = checkRegistryInput(input, null);
  if (!checked.ok) return { ok: false, status: 400, message: checked.message };
  const v = checked.value;
  if (await findRegistryByName(db, orgId, v.name)) return { ok: false, status: 409, message: `name: this organization already has a registry "${v.name}"` };
  if ((await countRegistries(db, orgId)) >= MAX_REGISTRIES_PER_ORG)
    return { ok: false, status: 400, message: `orgId: an organization has at most ${MAX_REGISTRIES_PER_ORG} registries` };
  const id = randomUUID();
  const registry = await insertRegistry(
    db,
    {
      id,
      orgId,
      name: v.name,
      server: v.server,
      username: v.username,
      sealedPassword: box.seal(v.password ?? '', passwordContext(id)),
      createdBy: actor.userId,
    },
    now,
  );
  await recordAudit(db, {
    orgId,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'registry.create',
    target: id,
    details: { name: v.name, server: v.server, username: v.username },
    ip: actor.ip,
  });
  return { ok: true, registry };
}

/** Changes server or username (the name is fixed: pod templates name the Secret by it); a `password` rotates the credential. */
export async function changeRegistry(db: Db, box: SecretBox, actor: Actor, existing: Registry, input: RegistryInput, now: Date): Promise<RegistryOutcome> {
  const checked = checkRegistryInput(input, existing);
  if (!checked.ok) return { ok: false, status: 400, message: checked.message };
  const v = checked.value;
  const updated = await updateRegistry(
    db,
    existing.id,
    {
      name: v.name,
      server: v.server,
      username: v.username,
      ...(v.password !== null ? { sealedPassword: box.seal(v.password, passwordContext(existing.id)) } : {}),
    },
    now,
  );
  if (!updated) return { ok: false, status: 404, message: 'registry not found' };
  const changed = (['server', 'username'] as const).filter((k) => v[k] !== existing[k]);
  await recordAudit(db, {
    orgId: existing.orgId,
    actorUserId: actor.userId,
    actor: actor.email,
    action: v.password !== null ? 'registry.rotate' : 'registry.update',
    target: existing.id,
    details: { name: v.name, server: v.server, username: v.username, changed, passwordRotated: v.password !== null },
    ip: actor.ip,
  });
  return { ok: true, registry: updated };
}

export async function removeRegistry(db: Db, actor: Actor, registry: Registry): Promise<void> {
  await deleteRegistry(db, registry.id);
  await recordAudit(db, {
    orgId: registry.orgId,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'registry.delete',
    target: registry.id,
    details: { name: registry.name, server: registry.server },
    ip: actor.ip,
  });
}

export type RegistryJson = {
  id: string;
  orgId: string;
  name: string;
  server: string;
  username: string;
  password: string;
  secretName: string;
  createdAt: string;
  updatedAt: string;
  rotatedAt: string;
};

/** A registry as the API shows it: the password masked, always. */
export function registryJson(r: Registry): RegistryJson {
  return {
    id: r.id,
    orgId: r.orgId,
    name: r.name,
    server: r.server,
    username: r.username,
    password: MASKED_PASSWORD,
    secretName: r.name,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    rotatedAt: r.rotatedAt.toISOString(),
  };
}
