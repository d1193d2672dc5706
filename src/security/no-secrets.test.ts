// Passwords, session ids and API tokens never appear in logs or in the database in clear.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { parseSecret } from './secrets';
import { API_TOKEN_PREFIX } from '../accounts/store';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

/** Every row of every table of the app's schema, as text. */
async function dumpDatabase(): Promise<string> {
  const tables = await queryRows<{ table_name: string }>(
    t.db,
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  let out = '';
  for (const { table_name } of tables) {
    const rows = await queryRows<{ row: string }>(t.db, sql`select t::text as row from ${sql.identifier(table_name)} t`);
    out += rows.map((r) => r.row).join('\n') + '\n';
  }
  return out;
}

test('a full account flow leaves no secret in clear', async () => {
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Org', null, { userId: user.id, role: 'owner' });
  // A failed login with a plausible password, too.
  await t.request('/login', {
    method: 'POST',
    body: new URLSearchParams({ email: user.email, password: 'almost-the-password' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const browser = await signIn(t, user);
  const api = await apiClient(t, browser);
  expect((await api.call('GET', '/v1/me')).status).toBe(200);
  const sessionId = browser.cookie.split('=')[1];
  // The token's secret as the server parses it: a base64url secret may itself hold '_'.
  const tokenSecret = parseSecret(API_TOKEN_PREFIX, api.token)!.secret;

  const logs = t.logs.join('\n');
  const db = await dumpDatabase();
  expect(logs.length).toBeGreaterThan(0);
  expect(db).toContain(user.email); // the dump really has the rows
  for (const secret of [user.password, 'almost-the-password', sessionId, api.token, tokenSecret]) {
    expect(logs).not.toContain(secret);
    expect(db).not.toContain(secret);
  }
});
