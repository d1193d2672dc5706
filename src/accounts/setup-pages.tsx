// /setup: the form behind the one-time URL a server without an owner prints at start (src/accounts/setup.ts).
// Nobody is signed in yet, so the form's CSRF proof is a double-submitted token: a random value in a cookie only
// this site can read (SameSite=Strict) and in the form; a cross-site post cannot know it.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { clientIp, SESSION_COOKIE } from '../http/caller';
import { HttpError, forbidden } from '../http/errors';
import { redirect, setFlash } from '../http/page';
import { constantTimeEqual, randomId } from '../security/secrets';
import { SetupPage } from '../../views/accounts/setup';
import { completeSetup, ownerExists, setupTokenValid } from './setup';

const SETUP_CSRF_COOKIE = 'niro_setup_csrf';

const invalidLink = (): HttpError =>
  new HttpError(404, 'not_found', 'This setup link is not valid: it was used already, or the server has restarted since and printed a new one in its log.');

export function setupPages(deps: AppDeps) {
  const { db, config } = deps;
  const secureCookie = config.publicUrl.startsWith('https://');
  const alreadySetUp = (cookie: Parameters<typeof setFlash>[0]): Response => {
    setFlash(cookie, { kind: 'info', text: 'Niro is set up already: sign in.' });
    return redirect('/login');
  };

  return new Elysia({ name: 'setup-pages' })
    .get(
      '/setup',
      async (ctx) => {
        if (await ownerExists(db)) return alreadySetUp(ctx.cookie);
        const token = ctx.query.token ?? '';
        if (!(await setupTokenValid(db, token))) throw invalidLink();
        const csrf = randomId(24);
        ctx.cookie[SETUP_CSRF_COOKIE].set({ value: csrf, httpOnly: true, sameSite: 'strict', secure: secureCookie, path: '/setup', maxAge: 3600 });
        ctx.set.headers['cache-control'] = 'no-store';
        return <SetupPage token={token} csrf={csrf} />;
      },
      { query: t.Object({ token: t.Optional(t.String({ maxLength: 200 })) }), detail: { hide: true } },
    )
    .post(
      '/setup',
      async (ctx) => {
        const { body, request, cookie, set } = ctx;
        const origin = request.headers.get('origin');
        if (origin && origin !== new URL(config.publicUrl).origin && origin !== new URL(request.url).origin) throw forbidden('cross-site setup refused');
        const expected = cookie[SETUP_CSRF_COOKIE]?.value;
        if (typeof expected !== 'string' || !expected || !constantTimeEqual(body._csrf, expected)) {
          throw forbidden('missing or invalid CSRF token; open the setup link again');
        }
        const result = await completeSetup(db, deps.passwordHashing, { ...body, ip: clientIp(request, ctx.server, config.trustProxy) });
        if (!result.ok) {
          if (result.reason === 'already_set_up') return alreadySetUp(cookie);
          if (result.reason === 'invalid_token') throw invalidLink();
          set.status = result.reason === 'invalid' ? 400 : 409;
          const error = result.reason === 'invalid' ? result.problem : 'An account with this email exists already: use another one.';
          return <SetupPage token={body.token} csrf={expected} email={body.email} name={body.name} orgName={body.orgName} error={error} />;
        }
        cookie[SETUP_CSRF_COOKIE].set({ value: '', httpOnly: true, sameSite: 'strict', secure: secureCookie, path: '/setup', maxAge: 0 });
        cookie[SESSION_COOKIE].set({ value: result.cookieValue, httpOnly: true, sameSite: 'lax', secure: secureCookie, path: '/', maxAge: 14 * 24 * 3600 });
        setFlash(cookie, { kind: 'ok', text: `Welcome. Add your first cluster: it takes one command on the cluster.` });
        return redirect('/');
      },
      {
        body: t.Object({
          token: t.String({ maxLength: 200 }),
          _csrf: t.String({ maxLength: 100 }),
          orgName: t.String({ maxLength: 100 }),
          name: t.String({ maxLength: 100 }),
          email: t.String({ maxLength: 254 }),
          password: t.String({ maxLength: 1024 }),
        }),
        detail: { hide: true },
      },
    );
}
