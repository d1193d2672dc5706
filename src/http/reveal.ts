// Post/redirect/get for forms that create a secret shown once (an API token, an enrollment token, a new
// member's temporary password): the POST creates it and redirects; the page it redirects to shows it once.
// Between the two the secret waits in a cookie sealed with the server key (AES-256-GCM, see
// src/security/encryption.ts), bound to the browser's session and to that one page, alive for two minutes and
// sent to that page only. The GET opens and clears it: a reload shows the page without the secret and creates
// nothing. Several replicas share the server key, so any of them can show it.
import type { Caller } from './caller';
import type { SecretBox } from '../security/encryption';

export const REVEAL_COOKIE = 'niro_reveal';
const REVEAL_SECONDS = 120;

type CookieJar = Record<string, { value?: unknown; set(opts: Record<string, unknown>): unknown; remove(): unknown }>;

/** What seals the value: the page it is for and the session (or, without one, the user) it belongs to. */
function contextOf(caller: Caller, path: string): string {
  return `reveal:${caller.session?.idHash ?? caller.user.id}:${path}`;
}

/** Seals `value` for the next GET of `path` by this caller; the caller then redirects there. */
export function setReveal(cookie: CookieJar, box: SecretBox, caller: Caller, path: string, value: unknown, secure: boolean): void {
  cookie[REVEAL_COOKIE].set({
    value: box.seal(JSON.stringify(value), contextOf(caller, path)),
    path,
    httpOnly: true,
    sameSite: 'strict',
    secure,
    maxAge: REVEAL_SECONDS,
  });
}

/**
 * The value sealed for this page and caller, once: the cookie is cleared whatever it held. Null when there is
 * none, or it was sealed for another page, session or server key (then it is not shown, only cleared).
 */
export function takeReveal<T>(cookie: CookieJar, box: SecretBox, caller: Caller, path: string): T | null {
  const raw = cookie[REVEAL_COOKIE]?.value;
  if (typeof raw !== 'string' || raw === '') return null;
  cookie[REVEAL_COOKIE].set({ value: '', path, httpOnly: true, sameSite: 'strict', maxAge: 0 });
  const opened = box.open(raw, contextOf(caller, path));
  if (!opened.ok) return null;
  try {
    return JSON.parse(opened.plaintext) as T;
  } catch {
    return null;
  }
}
