import { Elysia, t } from 'elysia';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller, resolveCaller, clientIp, SESSION_COOKIE, type Caller } from '../http/caller';
import { HttpError, badRequest, notFound } from '../http/errors';
import { redirect, renderPage, setFlash, takeFlash } from '../http/page';
import { setReveal, takeReveal } from '../http/reveal';
import { createSecretBox } from '../security/encryption';
import { recordAudit } from '../audit/store';
import { LoginPage } from '../../views/accounts/login';
import { ProfilePage } from '../../views/accounts/profile';
import { TokensPage, TOKEN_LIFETIMES } from '../../views/accounts/tokens';
import { changePassword, countSessions, deleteSession, endSessions, listApiTokens, passwordMatches, setSessionOrg } from './store';
import { issueApiToken, withdrawApiToken } from './tokens';
import { attemptLogin, primaryOrgId } from './login';
import { TOKEN_SCOPES, users } from './schema';
import { safeNextPath } from './next-path';
import { ownerExists } from './setup';

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

const TOKENS_PATH = '/settings/tokens';

export function accountsPages(deps: AppDeps) {
  const { db, config, passwordHashing } = deps;
  const secureCookie = config.publicUrl.startsWith('https://');
  const box = createSecretBox(config.secret);
  const ipOf = (ctx: { request: Request; server: Parameters<typeof clientIp>[1] }) => clientIp(ctx.request, ctx.server, config.trustProxy);
  const audit = async (caller: Caller, action: string, ip: string | null, details?: Record<string, unknown>) =>
    recordAudit(db, { orgId: await primaryOrgId(db, caller.user.id), actorUserId: caller.user.id, actor: caller.user.email, action, details, ip });

  return new Elysia({ name: 'accounts-pages' })
    .get('/login', async (ctx) => {
      const caller = await resolveCaller(db, ctx).catch(() => null);
      const next = safeNextPath(ctx.query.next);
      if (caller) return redirect(next);
      const flash = takeFlash(ctx.cookie);
      return <LoginPage next={next} info={flash?.text} setupPending={!(await ownerExists(db))} />;
    })
    .post(
      '/login',
      async (ctx) => {
        const { body, request, cookie, set } = ctx;
        // Login CSRF: a cross-site form must not sign the browser into someone else's account.
        const origin = request.headers.get('origin');
        if (origin && origin !== new URL(config.publicUrl).origin && origin !== new URL(request.url).origin) {
          throw new HttpError(403, 'forbidden', 'cross-site sign-in refused');
        }
        const next = safeNextPath(body.next);
        const result = await attemptLogin(db, passwordHashing, { email: body.email, password: body.password, ip: ipOf(ctx) });
        if (!result.ok) {
          if (result.reason === 'rate_limited') {
            set.status = 429;
            set.headers['retry-after'] = String(result.retryAfter);
            const wait =
              result.retryAfter < 60 ? plural(result.retryAfter, 'second', 'seconds') : plural(Math.ceil(result.retryAfter / 60), 'minute', 'minutes');
            return <LoginPage next={next} email={body.email} error={`Too many failed sign-ins from your address. Try again in ${wait}.`} />;
          }
          if (result.reason === 'busy') {
            set.status = 503;
            set.headers['retry-after'] = String(result.retryAfter);
            return <LoginPage next={next} email={body.email} error="The server is busy signing other people in. Try again in a moment." />;
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
        await audit(caller, 'logout', ipOf(ctx));
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
      const body = (
        <ProfilePage
          email={caller.user.email}
          name={caller.user.name}
          csrfToken={caller.session?.csrfToken ?? ''}
          sessions={await countSessions(db, caller.user.id)}
          orgs={caller.orgs.map((o) => ({ name: o.name, role: o.role }))}
        />
      );
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
        if (!(await passwordMatches(passwordHashing, caller.user, ctx.body.current))) {
          setFlash(ctx.cookie, { kind: 'error', text: 'Current password is incorrect.' });
          return redirect('/settings/profile');
        }
        if (ctx.body.password.length < 10) throw badRequest('password: must be at least 10 characters');
        // Whoever knew the old password may hold a session: every session but this one ends.
        const ended = await changePassword(db, passwordHashing, caller.user.id, ctx.body.password, caller.session?.idHash ?? null);
        await audit(caller, 'password.change', ipOf(ctx), { sessionsEnded: ended });
        const others = ended ? ` You were signed out of ${plural(ended, 'other session', 'other sessions')}.` : ' No other session was signed in.';
        setFlash(ctx.cookie, { kind: 'ok', text: `Password changed.${others}` });
        return redirect('/settings/profile');
      },
      { body: t.Object({ current: t.String({ maxLength: 1024 }), password: t.String({ maxLength: 1024 }), _csrf: t.Optional(t.String()) }) },
    )
    .post(
      '/settings/sessions/end-all',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        // Everywhere includes this browser: it signs in again like every other one must.
        const ended = await endSessions(db, caller.user.id, null);
        await audit(caller, 'sessions.end_all', ipOf(ctx), { sessionsEnded: ended });
        ctx.cookie[SESSION_COOKIE].remove();
        setFlash(ctx.cookie, { kind: 'info', text: `Signed out everywhere (${plural(ended, 'session', 'sessions')}).` });
        return redirect('/login');
      },
      { body: t.Object({ _csrf: t.Optional(t.String()) }) },
    )
    .get('/settings/tokens', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const created = takeReveal<{ token: string }>(ctx.cookie, box, caller, TOKENS_PATH);
      const tokens = await listApiTokens(db, caller.user.id);
      return renderPage(caller, ctx.cookie, {
        title: 'API tokens',
        active: 'settings',
        body: <TokensPage csrfToken={caller.session?.csrfToken ?? ''} tokens={tokens} newToken={created?.token ?? null} />,
      });
    })
    .post(
      '/settings/tokens',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const asked = ctx.body.scope ?? 'write';
        const scope = TOKEN_SCOPES.find((s) => s === asked);
        if (!scope) throw badRequest('scope: must be read or write');
        const lifetime = ctx.body.expiresInDays ?? '';
        if (!TOKEN_LIFETIMES.some(([v]) => v === lifetime))
          throw badRequest(`expiresInDays: must be one of ${TOKEN_LIFETIMES.map(([v]) => v || 'empty').join(', ')}`);
        const issued = await issueApiToken(db, actorOf(caller, ctx, config.trustProxy), {
          name: ctx.body.name,
          scope,
          expiresInDays: lifetime ? Number(lifetime) : null,
        });
        // The lifetime is one the form offers, so only the name can be refused here.
        if (!issued.ok) throw badRequest(issued.reason === 'empty_name' ? 'name: must not be empty' : 'expiresInDays: not a lifetime this form offers');
        // Post/redirect/get: a reload of the page shows the list, it does not create a second token. The secret
        // reaches the page sealed, once (reveal.ts).
        setReveal(ctx.cookie, box, caller, TOKENS_PATH, { token: issued.token }, secureCookie);
        setFlash(ctx.cookie, { kind: 'ok', text: `Token "${ctx.body.name.trim()}" created.` });
        return redirect(TOKENS_PATH);
      },
      {
        body: t.Object({
          name: t.String({ maxLength: 100 }),
          scope: t.Optional(t.String({ maxLength: 10 })),
          expiresInDays: t.Optional(t.String({ maxLength: 10 })),
          _csrf: t.Optional(t.String()),
        }),
      },
    )
    .post('/settings/tokens/:id/revoke', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const row = await withdrawApiToken(db, actorOf(caller, ctx, config.trustProxy), ctx.params.id);
      if (!row) throw notFound('token');
      setFlash(ctx.cookie, { kind: 'ok', text: `Token "${row.name}" revoked.` });
      return redirect('/settings/tokens');
    });
}
