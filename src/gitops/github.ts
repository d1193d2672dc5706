// The GitHub integration: an org connects with a token (a fine-grained personal access token or an app installation
// token, with commit statuses and pull request write access), stored sealed; the API base is configurable for GitHub
// Enterprise. Calls are bounded in time and answer size, follow no redirects, and never put the token anywhere but
// the Authorization header.
import type { Db } from '../db/client';
import { recordAudit, type Actor } from '../audit/store';
import type { SecretBox } from '../security/encryption';
import { deleteGithubConnection, upsertGithubConnection } from './store';
import type { GithubConnection } from './schema';

export const DEFAULT_GITHUB_API = 'https://api.github.com';
const MAX_ANSWER_BYTES = 1024 * 1024;

export const tokenContext = (connectionId: string): string => `github-connection:${connectionId}:token`;

export type GithubAnswer = { ok: true; status: number; json: unknown } | { ok: false; status: number | null; message: string };

export type GithubClient = { request(method: string, path: string, body?: unknown): Promise<GithubAnswer> };

/** A client of the REST API at `apiUrl` with `token`; `path` starts with `/`. */
export function githubClient(apiUrl: string, token: string, timeoutMs: number): GithubClient {
  return {
    async request(method, path, body) {
      let res: Response;
      try {
        res = await fetch(`${apiUrl}${path}`, {
          method,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
          headers: {
            accept: 'application/vnd.github+json',
            authorization: `Bearer ${token}`,
            'x-github-api-version': '2022-11-28',
            'user-agent': 'niro',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (e) {
        const timedOut = (e as Error)?.name === 'TimeoutError';
        return { ok: false, status: null, message: timedOut ? `GitHub did not answer within ${Math.round(timeoutMs / 1000)} s` : 'could not reach GitHub' };
      }
      const text = await readCapped(res);
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {}
      if (res.ok) return { ok: true, status: res.status, json };
      const said = typeof (json as { message?: unknown })?.message === 'string' ? (json as { message: string }).message.slice(0, 200) : res.statusText;
      return { ok: false, status: res.status, message: `GitHub answered ${res.status}${said ? `: ${said}` : ''}` };
    },
  };
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** What is wrong with an API base URL, or null. */
export function apiUrlProblem(url: string): string | null {
  if (url.length > 2048) return 'must be at most 2048 characters';
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'must be an http(s) URL';
    if (u.username || u.password) return 'must not carry credentials';
    if (u.search || u.hash) return 'must not have a query or fragment';
  } catch {
    return 'must be an http(s) URL such as https://api.github.com or https://github.example.com/api/v3';
  }
  return null;
}

export function connectionJson(c: GithubConnection) {
  return { orgId: c.orgId, apiUrl: c.apiUrl, account: c.account, tokenSet: true as const, updatedAt: c.updatedAt.toISOString() };
}

export type ConnectOutcome = { ok: true; connection: GithubConnection } | { ok: false; field: string; message: string };

/**
 * Connects `orgId` to GitHub: the token is tried against the API (GET /user, or the installation's repositories for
 * an app token) before anything is stored, so a wrong token or URL is refused at once.
 */
export async function connectGithub(
  db: Db,
  box: SecretBox,
  actor: Actor,
  orgId: string,
  input: { apiUrl?: string; token: string },
  timeoutMs: number,
): Promise<ConnectOutcome> {
  const apiUrl = (input.apiUrl?.trim() || DEFAULT_GITHUB_API).replace(/\/+$/, '');
  const problem = apiUrlProblem(apiUrl);
  if (problem) return { ok: false, field: 'apiUrl', message: `apiUrl: ${problem}` };
  if (input.token.length < 8 || input.token.length > 1024 || /\s/.test(input.token))
    return { ok: false, field: 'token', message: 'token: 8 to 1024 characters without spaces' };
  const client = githubClient(apiUrl, input.token, timeoutMs);
  let account: string | null = null;
  const user = await client.request('GET', '/user');
  if (user.ok) account = typeof (user.json as { login?: unknown })?.login === 'string' ? ((user.json as { login: string }).login.slice(0, 100) ?? null) : null;
  else {
    // App installation tokens cannot read /user; they can list the installation's repositories.
    const installation = await client.request('GET', '/installation/repositories?per_page=1');
    if (!installation.ok) return { ok: false, field: 'token', message: `token: GitHub refused it (${user.message})` };
    account = 'app installation';
  }
  return db.transaction(async (tx) => {
    const id = crypto.randomUUID();
    const saved = await upsertGithubConnection(tx, {
      id,
      orgId,
      apiUrl,
      tokenSealed: box.seal(input.token, tokenContext(id)),
      account,
      createdBy: actor.userId,
    });
    // On a reconnect the row keeps its id: seal under that one.
    const connection = saved.id === id ? saved : await upsertGithubConnection(tx, { ...saved, tokenSealed: box.seal(input.token, tokenContext(saved.id)) });
    await recordAudit(tx, {
      orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'integration.github_connected',
      target: connection.id,
      ip: actor.ip,
      details: { apiUrl, account },
    });
    return { ok: true as const, connection };
  });
}

export async function disconnectGithub(db: Db, actor: Actor, orgId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const removed = await deleteGithubConnection(tx, orgId);
    if (removed)
      await recordAudit(tx, { orgId, actorUserId: actor.userId, actor: actor.email, action: 'integration.github_disconnected', target: orgId, ip: actor.ip });
    return removed;
  });
}
