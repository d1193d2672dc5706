// Pull Secrets at delivery time. Manifests are stored (deployment revisions, the commands table) with a
// placeholder Secret that names a registry by id and holds no data; the credential is opened and written into
// it only in the copy of the command handed to the agent, so no table ever holds it in clear.
//
// Placeholders are read at the top level of the stream (not inside a `kind: List`), as the builder writes them.
// A reference is honoured only when the registry belongs to the cluster's organization or one of its
// ancestors, and the command's author is a member of the registry's organization or one of its ancestors
// (the people who can see the credential's record): knowing another organization's registry id is not enough.
import { parseAllDocuments, stringify } from 'yaml';
import type { Db } from '../db/client';
import type { SecretBox } from '../security/encryption';
import { DOCKERCONFIGJSON_TYPE, dockerConfigJson, passwordContext, REGISTRY_REF_ANNOTATION } from './credentials';
import { findRegistriesByIds, isMemberOfAny, orgLine } from './store';

type Json = Record<string, unknown>;

export type DeliveryCommand = { type: string; payload: Record<string, unknown>; createdBy: string | null };
export type Expansion = { ok: true; payload: Record<string, unknown>; secrets: number } | { ok: false; message: string };

function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

/** The registry id a document refers to when it is a placeholder Secret; null otherwise. */
export function registryRefOf(doc: unknown): string | null {
  const o = obj(doc);
  if (o.kind !== 'Secret') return null;
  const ref = obj(obj(o.metadata).annotations)[REGISTRY_REF_ANNOTATION];
  return typeof ref === 'string' ? ref : null;
}

/**
 * The payload to hand the agent: an apply's placeholder pull Secrets filled with their credentials; any other
 * command as stored. `maxManifestChars` is what the agent accepts (the contract's limit); a filled stream
 * larger than that is refused here rather than by the agent.
 */
export async function expandPullSecrets(
  db: Db,
  box: SecretBox,
  cluster: { orgId: string },
  command: DeliveryCommand,
  maxManifestChars: number,
): Promise<Expansion> {
  const manifests = command.payload.manifests;
  if (command.type !== 'apply' || typeof manifests !== 'string' || !manifests.includes(REGISTRY_REF_ANNOTATION))
    return { ok: true, payload: command.payload, secrets: 0 };
  const parsed = parseAllDocuments(manifests);
  // Queued manifests were parsed when queued; one that no longer parses is refused rather than sent short.
  if (parsed.some((d) => d.errors.length > 0)) return { ok: false, message: 'manifests: a document does not parse' };
  const docs = parsed.map((d) => d.toJS() as unknown).filter((v) => v !== null && v !== undefined);
  const refs = [...new Set(docs.map(registryRefOf).filter((r): r is string => r !== null))];
  if (refs.length === 0) return { ok: true, payload: command.payload, secrets: 0 };

  const line = await orgLine(db, cluster.orgId);
  const found = new Map((await findRegistriesByIds(db, refs)).map((r) => [r.id, r]));
  const filled = new Map<string, string>();
  for (const ref of refs) {
    const registry = found.get(ref.toLowerCase());
    const at = registry ? line.indexOf(registry.orgId) : -1;
    if (!registry || at < 0)
      return { ok: false, message: `registry ${ref.slice(0, 40)}: no such registry for this cluster's organization (deleted, or another organization's)` };
    if (!command.createdBy || !(await isMemberOfAny(db, command.createdBy, line.slice(at))))
      return { ok: false, message: `registry "${registry.name}": the command's author may not use this organization's registries` };
    const opened = box.open(registry.sealedPassword, passwordContext(registry.id));
    if (!opened.ok) return { ok: false, message: `registry "${registry.name}": its credential cannot be opened (${opened.reason}); set its password again` };
    filled.set(ref, Buffer.from(dockerConfigJson(registry.server, registry.username, opened.plaintext), 'utf8').toString('base64'));
  }

  const out: string[] = [];
  for (const doc of docs) {
    const ref = registryRefOf(doc);
    if (ref === null) {
      out.push(stringify(doc));
      continue;
    }
    const o = obj(doc);
    if (o.type !== undefined && o.type !== DOCKERCONFIGJSON_TYPE)
      return { ok: false, message: `Secret ${String(obj(o.metadata).name ?? '')}: a Secret naming a registry must be of type ${DOCKERCONFIGJSON_TYPE}` };
    const rest = { ...o };
    delete rest.stringData;
    out.push(stringify({ ...rest, type: DOCKERCONFIGJSON_TYPE, data: { '.dockerconfigjson': filled.get(ref) } }));
  }
  const text = out.join('---\n');
  if (text.length > maxManifestChars)
    return { ok: false, message: `manifests with their pull Secrets filled pass the agent's limit of ${maxManifestChars} characters` };
  return { ok: true, payload: { ...command.payload, manifests: text }, secrets: filled.size };
}
