import type { Db } from '../db/client';
import type { ApiToken, User } from '../accounts/schema';
import { authenticateApiToken, findSession, type SessionRow } from '../accounts/store';
import { listVisibleOrgs, subtreeOf, type VisibleOrg } from '../orgs/store';
import type { Actor } from '../audit/store';
import { AGENT_KEY_HEADER } from '../contract';
import { constantTimeEqual } from '../security/secrets';
import { HttpError, forbidden, unauthorized } from './errors';

export const SESSION_COOKIE = 'niro_session';

/** A signed-in user, how they proved it, and the orgs they can see (their tenancy scope). */
export type Caller = {
  user: User;
  via: 'session' | 'token';
  session: SessionRow | null;
  /** The API token the request came with (via 'token'). */
  token: ApiToken | null;
  /** Every org visible to the user (own memberships + descendants). */
  orgs: VisibleOrg[];
  /** The org the UI is narrowed to, if any (always one of `orgs`). */
  currentOrg: VisibleOrg | null;
  /** The org ids queries should be scoped to: the current org's subtree, else all visible orgs. */
  scopeOrgIds: string[];
};

export type RequestLike = { request: Request; cookie: Record<string, { value?: unknown }>; body?: unknown };

function bearerToken(request: Request): string | null {
  const h = request.headers.get('authorization');
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h.trim());
  return m ? m[1] : '';
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who is calling, or null when nobody is signed in. A bad bearer token is a 401, not "anonymous".
 * A read-scoped token is refused here, for every route at once, on anything but a safe method.
 */
export async function resolveCaller(db: Db, ctx: RequestLike): Promise<Caller | null> {
  const bearer = bearerToken(ctx.request);
  if (bearer !== null) {
    const found = await authenticateApiToken(db, bearer);
    if (!found) throw unauthorized('invalid, expired or revoked API token');
    if (found.token.scope === 'read' && !SAFE_METHODS.has(ctx.request.method))
      throw forbidden('this API token is read-only (scope "read"); create a write token to change things');
    const orgs = await listVisibleOrgs(db, found.user.id);
    return { user: found.user, via: 'token', session: null, token: found.token, orgs, currentOrg: null, scopeOrgIds: orgs.map((o) => o.id) };
  }
  const cookieValue = ctx.cookie[SESSION_COOKIE]?.value;
  if (typeof cookieValue === 'string' && cookieValue) {
    const found = await findSession(db, cookieValue);
    if (!found) return null;
    const orgs = await listVisibleOrgs(db, found.user.id);
    const currentOrg = orgs.find((o) => o.id === found.session.currentOrgId) ?? null;
    const scope = currentOrg ? subtreeOf(orgs, currentOrg.id) : orgs;
    return { user: found.user, via: 'session', session: found.session, token: null, orgs, currentOrg, scopeOrgIds: scope.map((o) => o.id) };
  }
  if (ctx.request.headers.get(AGENT_KEY_HEADER)) throw unauthorized('agent keys are not accepted on user endpoints');
  return null;
}

/**
 * Cookie-authenticated state changes must prove they come from our own pages: the session's
 * CSRF token in the `X-CSRF-Token` header (htmx, fetch) or the `_csrf` form field.
 * Bearer-token requests carry no ambient credentials and need no proof.
 */
export function checkCsrf(caller: Caller, ctx: RequestLike): void {
  if (caller.via !== 'session' || SAFE_METHODS.has(ctx.request.method)) return;
  const header = ctx.request.headers.get('x-csrf-token');
  const field = ctx.body && typeof ctx.body === 'object' ? (ctx.body as Record<string, unknown>)._csrf : undefined;
  const presented = header ?? (typeof field === 'string' ? field : null);
  if (!presented || !constantTimeEqual(presented, caller.session!.csrfToken)) throw forbidden('missing or invalid CSRF token; reload the page and try again');
}

/** The signed-in caller, or a 401 (API) / redirect to the login page (pages). Also enforces CSRF. */
export async function requireCaller(db: Db, ctx: RequestLike): Promise<Caller> {
  const caller = await resolveCaller(db, ctx);
  if (!caller) {
    const url = new URL(ctx.request.url);
    if (url.pathname.startsWith('/v1/')) throw unauthorized();
    const next = encodeURIComponent(url.pathname + url.search);
    throw new HttpError(303, 'login_required', 'sign in to continue', { location: `/login?next=${next}` });
  }
  checkCsrf(caller, ctx);
  return caller;
}

/** The caller as services and the audit log record them: who, and from which address. */
export function actorOf(caller: Caller, ctx: { request: Request; server: Parameters<typeof clientIp>[1] }, trustProxy: boolean): Actor {
  return { userId: caller.user.id, email: caller.user.email, ip: clientIp(ctx.request, ctx.server, trustProxy) };
}

/** Client address: the socket peer; X-Forwarded-For is honoured only when the deployment says so. */
export function clientIp(request: Request, server: { requestIP(r: Request): { address: string } | null } | null, trustProxy = false): string | null {
  if (trustProxy) {
    const fwd = request.headers.get('x-forwarded-for');
    if (fwd) return fwd.split(',')[0].trim().slice(0, 64);
  }
  return server?.requestIP(request)?.address ?? null;
}
