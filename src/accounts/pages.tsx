import { Elysia, t } from 'elysia';
import type { AppDeps } from '../app';
import { requireCaller, resolveCaller, clientIp, SESSION_COOKIE } from '../http/caller';
import { HttpError, badRequest, notFound } from '../http/errors';
import { redirect, renderPage, setFlash } from '../http/page';
import { recordAudit } from '../audit/store';
import { LoginPage } from '../../views/accounts/login';
import { ProfilePage } from '../../views/accounts/profile';
import { TokensPage } from '../../views/accounts/tokens';
import { listApiTokens, setPassword, verifyLogin, getUser } from './store';
import { issueApiToken, withdrawApiToken } from './tokens';
import { deleteSession, setSessionOrg, normalizeEmail } from './store';
import { attemptLogin, primaryOrgId } from './login';
import { users } from './schema';
import { safeNextPath } from './next-path';
import { eq } from 'drizzle-orm';

export function accountsPages(deps: AppDeps) {
  const { db, config } = deps;
  const secureCookie = config.publicUrl.startsWith('https://');
  return new Elysia({ name: 'accounts-pages' })
    .get('/login', async (ctx) => {
      const caller = await resolveCaller(db, ctx).catch(() => null);
      const next = safeNextPath(ctx.query.next);
      if (caller) return redirect(next);
      return <LoginPage next={next} />;
    })
    .post(
      '/login',
      async (ctx) => {
        const { body, request, cookie, server, set } = ctx;
        // Login CSRF: a cross-site form must not sign the browser into someone else's account.
        const origin = request.headers.get('origin');
        if (origin && origin !== new URL(config.publicUrl).origin && origin !== new URL(request.url).origin) {
          throw new HttpError(403, 'forbidden', 'cross-site sign-in refused');
        }
        const ip = clientIp(request, server, config.trustProxy);
        const next = safeNextPath(body.next);
        const result = await attemptLogin(db, { email: body.email, password: body.password, ip });
        if (!result.ok) {
          if (result.reason === 'rate_limited') {
            set.status = 429;
            set.headers['retry-after'] = String(result.retryAfter);
            return <LoginPage next={next} email={body.email} error={`Too many failed sign-ins. Try again in ${Math.ceil(result.retryAfter / 60)} minute(s).`} />;
          }
          set.status = 401;
          return <LoginPage next={next} email={body.email} error="Email or password is incorrect." />;
        }
        // Rotate: whatever session the browser had is gone; a fresh id is issued.
        const old = cookie[SESSION_COOKIE]?.value;
        if (typeof old === 'string' && old) {
          const prev = await resolveCaller(db, ctx).catch(() => null);
          if (prev?.session) await deleteSession(db, prev.session.idHash);
        }
        cookie[SESSION_COOKIE].set({ value: result.cookieValue, httpOnly: true, sameSite: 'lax', secure: secureCookie, path: '/', maxAge: 14 * 24 * 3600 });
        return redirect(next);
      },
      { body: t.Object({ email: t.String({ maxLength: 254 }), password: t.String({ maxLength: 1024 }), next: t.Optional(t.String({ maxLength: 2000 })) }) },
    )
    .post('/logout', async (ctx) => {
      const caller = await resolveCaller(db, ctx).catch(() => null);
      if (caller?.session) {
        await requireCaller(db, ctx); // CSRF proof for the session being ended
        await deleteSession(db, caller.session.idHash);
        await recordAudit(db, { orgId: await primaryOrgId(db, caller.user.id), actorUserId: caller.user.id, actor: caller.user.email, action: 'logout', ip: clientIp(ctx.request, ctx.server, deps.config.trustProxy) });
      }
      ctx.cookie[SESSION_COOKIE].remove();
      return redirect('/login');
    })
    .post(
      '/org-switch',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const orgId = ctx.body.orgId || null;
        if (orgId && !caller.orgs.some((o) => o.id === orgId)) throw notFound('organization');
        await setSessionOrg(db, caller.session!.idHash, orgId);
        return redirect(safeNextPath(ctx.body.back));
      },
      { body: t.Object({ orgId: t.String({ maxLength: 64 }), back: t.Optional(t.String({ maxLength: 2000 })), _csrf: t.Optional(t.String()) }) },
    )
    .get('/settings', () => redirect('/settings/profile'))
    .get('/settings/profile', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const body = <ProfilePage email={caller.user.email} name={caller.user.name} csrfToken={caller.session?.csrfToken ?? ''} orgs={caller.orgs.map((o) => ({ name: o.name, role: o.role }))} />;
      return renderPage(caller, ctx.cookie, { title: 'Profile', active: 'settings', body });
    })
    .post(
      '/settings/profile',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        await db.update(users).set({ name: ctx.body.name.trim() }).where(eq(users.id, caller.user.id));
        setFlash(ctx.cookie, { kind: 'ok', text: 'Profile saved.' });
        return redirect('/settings/profile');
      },
      { body: t.Object({ name: t.String({ maxLength: 100 }), _csrf: t.Optional(t.String()) }) },
    )
    .post(
      '/settings/password',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const ok = await verifyLogin(db, caller.user.email, ctx.body.current);
        if (!ok) {
          setFlash(ctx.cookie, { kind: 'error', text: 'Current password is incorrect.' });
          return redirect('/settings/profile');
        }
        if (ctx.body.password.length < 10) throw badRequest('password: must be at least 10 characters');
        await setPassword(db, caller.user.id, ctx.body.password);
        await recordAudit(db, { orgId: await primaryOrgId(db, caller.user.id), actorUserId: caller.user.id, actor: caller.user.email, action: 'password.change', ip: clientIp(ctx.request, ctx.server, deps.config.trustProxy) });
        setFlash(ctx.cookie, { kind: 'ok', text: 'Password changed.' });
        return redirect('/settings/profile');
      },
      { body: t.Object({ current: t.String({ maxLength: 1024 }), password: t.String({ maxLength: 1024 }), _csrf: t.Optional(t.String()) }) },
    )
    .get('/settings/tokens', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const tokens = await listApiTokens(db, caller.user.id);
      return renderPage(caller, ctx.cookie, { title: 'API tokens', active: 'settings', body: <TokensPage csrfToken={caller.session?.csrfToken ?? ''} tokens={tokens} /> });
    })
    .post(
      '/settings/tokens',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { token } = await issueApiToken(db, caller, ctx.body.name, clientIp(ctx.request, ctx.server, deps.config.trustProxy));
        const tokens = await listApiTokens(db, caller.user.id);
        // Rendered directly (no redirect) so the secret never travels in a cookie or URL.
        return renderPage(caller, ctx.cookie, { title: 'API tokens', active: 'settings', body: <TokensPage csrfToken={caller.session?.csrfToken ?? ''} tokens={tokens} newToken={token} /> });
      },
      { body: t.Object({ name: t.String({ maxLength: 100 }), _csrf: t.Optional(t.String()) }) },
    )
    .post('/settings/tokens/:id/revoke', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const row = await withdrawApiToken(db, caller, ctx.params.id, clientIp(ctx.request, ctx.server, deps.config.trustProxy));
      setFlash(ctx.cookie, { kind: 'ok', text: `Token "${row.name}" revoked.` });
      return redirect('/settings/tokens');
    });
}

export { normalizeEmail, getUser };
