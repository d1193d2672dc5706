// Pure words of the registries domain: how a registry server and an image's registry are written, what an
// operator may send, and the dockerconfigjson a cluster receives. No db, no config: the builder, the policy
// rule and the delivery all read them.

/** Annotation of a pull Secret placeholder in stored manifests: the id of the registry whose credential fills it. */
export const REGISTRY_REF_ANNOTATION = 'niro.dev/registry';
export const DOCKERCONFIGJSON_TYPE = 'kubernetes.io/dockerconfigjson';

/** Docker Hub's names for itself; images without a host come from there. */
const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'];
/** The key Docker Hub credentials take in a docker config (what `docker login` writes). */
const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export const MAX_REGISTRIES_PER_ORG = 100;
export const NAME_MAX = 63;
export const SERVER_MAX = 253;
export const USERNAME_MAX = 255;
/** A cloud key file (GCP's JSON key is ~2.3 KB) fits; more is not a credential. */
export const PASSWORD_MAX = 8192;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOST_PORT = /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*(?::[0-9]{1,5})?$/;

/**
 * A registry server as images name it: lower-case `host[:port]`, scheme and path dropped (`https://ghcr.io/` →
 * `ghcr.io`), Docker Hub's aliases → `docker.io`. Null when it is not a host.
 */
export function normalizeServer(raw: string): string | null {
  let s = raw.trim().toLowerCase();
  s = s.replace(/^[a-z]+:\/\//, '');
  s = s.split('/')[0] ?? '';
  if (s === '' || s.length > SERVER_MAX || !HOST_PORT.test(s)) return null;
  const port = s.includes(':') ? Number(s.slice(s.indexOf(':') + 1)) : null;
  if (port !== null && (port < 1 || port > 65535)) return null;
  return DOCKER_HUB_ALIASES.includes(s) ? DOCKER_HUB : s;
}

/**
 * The registry an image is pulled from, as normalizeServer writes it. The first path component is a host
 * when it has a dot or a port or is `localhost` (Docker's rule); otherwise the image is Docker Hub's.
 */
export function imageRegistry(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return DOCKER_HUB;
  const first = image.slice(0, slash);
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost') return DOCKER_HUB;
  return normalizeServer(first) ?? first.toLowerCase();
}

/** The `.dockerconfigjson` of one registry credential, as `docker login` would write it. */
export function dockerConfigJson(server: string, username: string, password: string): string {
  const key = server === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : server;
  const auth = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  return JSON.stringify({ auths: { [key]: { username, password, auth } } });
}

/**
 * The pull Secret as it is stored in manifests (deployment revisions, command payloads): a named reference to
 * the registry and no data. The control plane fills `data` only when it hands the command to the agent.
 */
export function pullSecretPlaceholder(registry: { id: string; name: string }, namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: registry.name, namespace, annotations: { [REGISTRY_REF_ANNOTATION]: registry.id } },
    type: DOCKERCONFIGJSON_TYPE,
  };
}

export type RegistryInput = { name?: string; server?: string; username?: string; password?: string };
export type CheckedRegistry = { name: string; server: string; username: string; password: string | null };

function controlChars(s: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(s);
}

/**
 * What an operator sent, checked before any write; the message names the field as sent. On create every field
 * is required; on update (`existing` given) a field left out keeps its value and `password` rotates.
 */
export function checkRegistryInput(
  input: RegistryInput,
  existing: { name: string; server: string; username: string } | null,
): { ok: true; value: CheckedRegistry } | { ok: false; message: string } {
  const name = (input.name ?? existing?.name ?? '').trim();
  if (name === '') return { ok: false, message: 'name: required' };
  // Pod templates name the pull Secret by it: a rename would leave every deployment pointing at nothing.
  if (existing && name !== existing.name)
    return { ok: false, message: 'name: cannot change (deployments name the pull Secret by it); add a new registry instead' };
  if (name.length > NAME_MAX || !DNS_LABEL.test(name))
    return { ok: false, message: `name: lower-case letters, digits and '-', at most ${NAME_MAX} characters (it names the pull Secret in clusters)` };
  const rawServer = input.server ?? existing?.server ?? '';
  if (rawServer.trim() === '') return { ok: false, message: 'server: required' };
  const server = normalizeServer(rawServer);
  if (!server) return { ok: false, message: 'server: a registry host such as ghcr.io or registry.example.com:5000' };
  const username = input.username ?? existing?.username ?? '';
  if (username === '') return { ok: false, message: 'username: required' };
  if (username.length > USERNAME_MAX || controlChars(username) || username.includes(':'))
    return { ok: false, message: `username: at most ${USERNAME_MAX} characters, no ':' and no control characters` };
  const password = input.password ?? null;
  if (password === null && !existing) return { ok: false, message: 'password: required' };
  if (password !== null) {
    if (password === '') return { ok: false, message: 'password: must not be empty' };
    if (password.length > PASSWORD_MAX) return { ok: false, message: `password: at most ${PASSWORD_MAX} characters` };
    if (password.includes('\u0000')) return { ok: false, message: 'password: must not contain NUL characters' };
  }
  return { ok: true, value: { name, server, username, password } };
}

/** The sealing context of a registry's password: a sealed value copied to another row does not open there. */
export function passwordContext(registryId: string): string {
  return `registry:${registryId}:password`;
}

/** What the API and pages show instead of a password: never any of its characters. */
export const MASKED_PASSWORD = '••••••••';
