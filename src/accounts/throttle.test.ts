// Sign-in throttling: per account+address exponential delays counted atomically, a looser per-address
// budget, never a lockout of the owner at another address, and a bounded number of password hashes at once.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import { makeOrg, makeUser, startTestApp, type TestApp, type TestUser } from '../testing/app';
import { ACCOUNT_AT_ADDRESS, ADDRESS, accountAtAddressKey } from './login';
import { takeLoginAttempt } from './store';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ trustProxy: true });
});
afterAll(async () => {
  await t.close();
});

function login(user: { email: string }, password: string, address: string): Promise<Response> {
  return t.request('/login', {
    method: 'POST',
    body: new URLSearchParams({ email: user.email, password }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': address },
  });
}

async function owner(): Promise<TestUser> {
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Org', null, { userId: user.id, role: 'owner' });
  return user;
}

describe('per account and address', () => {
  test('60 simultaneous wrong guesses: the budget gets 401, every other one 429 with Retry-After', async () => {
    const user = await owner();
    const all = await Promise.all(Array.from({ length: 60 }, (_, i) => login(user, `wrong-${i}`, '203.0.113.10')));
    const statuses = all.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBe(ACCOUNT_AT_ADDRESS.free);
    expect(statuses.filter((s) => s === 429).length).toBe(60 - ACCOUNT_AT_ADDRESS.free);
    for (const r of all.filter((r) => r.status === 429)) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Refusals cost no audit row: only the checked guesses are recorded.
    const [{ n }] = await queryRows<{ n: number }>(
      t.db,
      sql`select count(*)::int as n from audit_events where actor = ${user.email} and action = 'login.failed'`,
    );
    expect(n).toBe(ACCOUNT_AT_ADDRESS.free);
  });

  test('the owner at another address signs in while the guesser is throttled, even with the right password', async () => {
    const user = await owner();
    for (let i = 0; i < ACCOUNT_AT_ADDRESS.free; i++) expect((await login(user, `wrong-${i}`, '203.0.113.20')).status).toBe(401);
    // The guesser has kept at it for a while: their next attempt is 10 minutes away.
    await t.db.execute(
      sql`update login_throttle set blocked_until = now() + interval '10 minutes' where key = ${accountAtAddressKey(user.email, '203.0.113.20')}`,
    );
    const refused = await login(user, user.password, '203.0.113.20');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(500);
    expect(await refused.text()).toContain('Try again in 10 minutes');
    const res = await login(user, user.password, '198.51.100.20');
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('niro_session='))).toBe(true);
  });

  test('a successful sign-in forgets the failures before it', async () => {
    const user = await owner();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < ACCOUNT_AT_ADDRESS.free - 1; i++) expect((await login(user, 'wrong', '203.0.113.30')).status).toBe(401);
      expect((await login(user, user.password, '203.0.113.30')).status).toBe(303);
    }
  });

  test('the delays double after the free attempts, up to the cap, and a quiet key starts afresh', async () => {
    const key = `test:${crypto.randomUUID()}`;
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    let now = t0;
    for (let i = 0; i < ACCOUNT_AT_ADDRESS.free; i++) expect((await takeLoginAttempt(t.db, key, ACCOUNT_AT_ADDRESS, new Date(now))).ok).toBe(true);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const refused = await takeLoginAttempt(t.db, key, ACCOUNT_AT_ADDRESS, new Date(now));
      if (refused.ok) throw new Error('expected a delay');
      waits.push(refused.retryAfter);
      now += refused.retryAfter * 1000;
      expect((await takeLoginAttempt(t.db, key, ACCOUNT_AT_ADDRESS, new Date(now))).ok).toBe(true);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
    // A day without attempts: the budget is whole again.
    now += ACCOUNT_AT_ADDRESS.quietSeconds * 1000 + 1000;
    for (let i = 0; i < ACCOUNT_AT_ADDRESS.free; i++) expect((await takeLoginAttempt(t.db, key, ACCOUNT_AT_ADDRESS, new Date(now))).ok).toBe(true);
  });
});

describe('per address', () => {
  test('spraying many accounts from one address is slowed after its budget; other addresses are not', async () => {
    const key = `address:test-${crypto.randomUUID()}`;
    const now = new Date('2030-01-01T00:00:00Z');
    for (let i = 0; i < ADDRESS.free; i++) expect((await takeLoginAttempt(t.db, key, ADDRESS, now)).ok).toBe(true);
    const refused = await takeLoginAttempt(t.db, key, ADDRESS, now);
    expect(refused).toEqual({ ok: false, retryAfter: 1 });
    expect((await takeLoginAttempt(t.db, `address:test-${crypto.randomUUID()}`, ADDRESS, now)).ok).toBe(true);
  });

  test('a slowed address delays, never locks: the wait is at most a minute', async () => {
    const key = `address:test-${crypto.randomUUID()}`;
    let now = Date.parse('2030-01-01T00:00:00Z');
    for (let i = 0; i < ADDRESS.free + 20; i++) {
      const v = await takeLoginAttempt(t.db, key, ADDRESS, new Date(now));
      if (!v.ok) {
        expect(v.retryAfter).toBeLessThanOrEqual(60);
        now += v.retryAfter * 1000;
      }
    }
  });
});

describe('password hashing is bounded', () => {
  test('beyond the hashing slots and their queue a sign-in answers 503 with Retry-After, and is not counted', async () => {
    const user = await owner();
    const passwordHashing = t.replica.passwordHashing;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // Occupy every slot and fill the queue, as a flood of sign-ins would.
    const occupied: Promise<unknown>[] = [];
    while (passwordHashing.active < 4 && occupied.length < 4) {
      const before = passwordHashing.active;
      occupied.push(passwordHashing.run(() => held));
      if (passwordHashing.active === before) break;
    }
    const queued: Promise<unknown>[] = [];
    for (let i = 0; i < 64; i++) queued.push(passwordHashing.tryRun(() => held));
    try {
      const res = await login(user, user.password, '203.0.113.40');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.text()).toContain('busy');
    } finally {
      release();
      await Promise.all([...occupied, ...queued]);
    }
    // The refused attempt used none of the budget.
    for (let i = 0; i < ACCOUNT_AT_ADDRESS.free - 1; i++) expect((await login(user, 'wrong', '203.0.113.40')).status).toBe(401);
    expect((await login(user, user.password, '203.0.113.40')).status).toBe(303);
  });
});
