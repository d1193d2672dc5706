import type { Caller } from './caller';
import { Shell, type NavKey, type ShellViewer } from '../../views/layout/layout';

export const FLASH_COOKIE = 'niro_flash';

export type Flash = { kind: 'ok' | 'error' | 'info'; text: string };

type CookieJar = Record<string, { value?: unknown; set(opts: Record<string, unknown>): unknown; remove(): unknown }>;

/** Remembers a message for the next page the browser loads (post/redirect/get). */
export function setFlash(cookie: CookieJar, flash: Flash): void {
  cookie[FLASH_COOKIE].set({ value: JSON.stringify(flash).slice(0, 500), path: '/', httpOnly: true, sameSite: 'lax', maxAge: 60 });
}

/** Reads and clears the pending flash message. */
export function takeFlash(cookie: CookieJar): Flash | null {
  const raw = cookie[FLASH_COOKIE]?.value;
  if (raw === undefined || raw === '') return null;
  cookie[FLASH_COOKIE].remove();
  try {
    const f = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Flash;
    if ((f.kind === 'ok' || f.kind === 'error' || f.kind === 'info') && typeof f.text === 'string') return f;
  } catch {}
  return null;
}

export function redirect(location: string, status = 303): Response {
  return new Response(null, { status, headers: { location } });
}

/** What the shell shows of a signed-in caller: their menu and the orgs they can switch to. */
export function shellViewer(caller: Caller): ShellViewer {
  return { user: caller.user, csrfToken: caller.session?.csrfToken ?? '', orgs: caller.orgs, currentOrgId: caller.currentOrg?.id ?? null };
}

/** A full page in the signed-in shell. */
export function renderPage(caller: Caller, cookie: CookieJar, opts: { title: string; active: NavKey; body: JSX.Element; scripts?: string[] }): JSX.Element {
  return Shell({
    title: opts.title,
    active: opts.active,
    viewer: shellViewer(caller),
    flash: takeFlash(cookie),
    scripts: opts.scripts,
    children: opts.body,
  });
}

/** True when the request wants a fragment (htmx), not a whole page. */
export function isHtmx(request: Request): boolean {
  return request.headers.get('hx-request') === 'true';
}
