// How clients find the simulator: a kubeconfig (CA file + bearer token), or the in-cluster service-account files.
//
// @kubernetes/client-node's `loadFromCluster(pathPrefix)` reads `${pathPrefix}/var/run/secrets/kubernetes.io/
// serviceaccount/{token,ca.crt,namespace}` and the server from KUBERNETES_SERVICE_HOST/PORT, so writing the files
// under any root and passing that root as the prefix exercises the in-cluster path without touching /var/run.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AGENT_NAME, AGENT_NAMESPACE } from './rbac.ts';

export const SERVICE_ACCOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

function base64url(value: object | Buffer): string {
  return (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');
}

/** A service-account token shaped like the projected JWT a pod gets (not verifiable: the simulator compares it). */
export function createServiceAccountToken(now: number = Date.now()): string {
  const iat = Math.floor(now / 1000);
  const header = { alg: 'RS256', kid: randomBytes(16).toString('base64url') };
  const payload = {
    aud: ['https://kubernetes.default.svc.cluster.local', 'k3s'],
    exp: iat + 365 * 24 * 3600,
    iat,
    iss: 'https://kubernetes.default.svc.cluster.local',
    'kubernetes.io': { namespace: AGENT_NAMESPACE, serviceaccount: { name: AGENT_NAME, uid: crypto.randomUUID() } },
    nbf: iat,
    sub: `system:serviceaccount:${AGENT_NAMESPACE}:${AGENT_NAME}`,
  };
  return `${base64url(header)}.${base64url(payload)}.${base64url(randomBytes(256))}`;
}

export function createAdminToken(): string {
  return randomBytes(24).toString('hex');
}

export type KubeconfigInput = { name: string; server: string; caFile: string; agentToken: string; adminToken: string };

/**
 * Two contexts: `<name>` (current) authenticates as the agent's service account, so kubectl sees exactly what the
 * agent may see; `<name>-admin` is cluster-admin, for looking around (jobs, cronjobs) and installing manifests.
 */
export function buildKubeconfig(input: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.name, cluster: { server: input.server, 'certificate-authority': input.caFile } }],
    users: [
      { name: `${input.name}-${AGENT_NAME}`, user: { token: input.agentToken } },
      { name: `${input.name}-admin`, user: { token: input.adminToken } },
    ],
    contexts: [
      { name: input.name, context: { cluster: input.name, user: `${input.name}-${AGENT_NAME}` } },
      { name: `${input.name}-admin`, context: { cluster: input.name, user: `${input.name}-admin` } },
    ],
    'current-context': input.name,
    preferences: {},
  });
}

/** Write token, ca.crt and namespace under `${root}${SERVICE_ACCOUNT_PATH}`; returns that directory. */
export async function writeServiceAccountFiles(root: string, token: string, caPem: string): Promise<string> {
  const dir = join(root, SERVICE_ACCOUNT_PATH);
  await mkdir(dir, { recursive: true });
  await Promise.all([writeFile(join(dir, 'token'), token), writeFile(join(dir, 'ca.crt'), caPem), writeFile(join(dir, 'namespace'), AGENT_NAMESPACE)]);
  return dir;
}
