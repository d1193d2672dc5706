// Real headless Chromium for browser tests (Debian's package, driven by playwright-core).
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestApp } from './app';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** One browser per test file (launch in beforeAll, close in afterAll). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS, headless: true });
}

/** Serves the test app on a real port (browsers need a socket); returns its base URL. */
export function listen(t: TestApp): string {
  t.app.listen({ port: 0, hostname: '127.0.0.1' });
  return `http://127.0.0.1:${t.app.server!.port}`;
}

/** Signs in through the login form in the page. */
export async function browserSignIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
}

/** Polls `read` until `done` holds, at most `ms` (a bound, not a timing claim); returns the last value read. */
export async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, ms: number): Promise<T> {
  const until = Date.now() + ms;
  let v = await read();
  while (!done(v) && Date.now() < until) {
    await Bun.sleep(200);
    v = await read();
  }
  return v;
}
