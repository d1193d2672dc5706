// Enrollment: single-use one-hour tokens stored hashed, exchanged atomically for an agent key; every bad token gets the same 401;
// a spent token retried is audited once per address and hour.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { enroll } from '../testing/heartbeats';
import { exchangeEnrollmentToken } from './enrollment';

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
let orgId: string;

beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  orgId = (await makeOrg(t.db, 'Enroll Org', null, { userId: user.id, role: 'owner' })).id;
  api = await apiClient(t, await signIn(t, user));
});
afterAll(async () => {
  await t.close();
});

async function newCluster(name: string): Promise<{ id: string; token: string; installCommand: string; expiresAt: string }> {
  const res = await api.call('POST', '/v1/clusters', { name, environment: 'staging' });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { cluster: { id: string }; enrollment: { token: string; installCommand: string; expiresAt: string } };
  return { id: body.cluster.id, ...body.enrollment };
}

const SAME_401 = {
  error: { code: 'invalid_token', message: 'enrollment token is invalid, expired or already used; create a new token for this cluster in Niro' },
};

describe('tokens', () => {
  test('shown once with the install command, valid one hour, stored only as a hash', async () => {
    const c = await newCluster('edge-hash');
    expect(c.token).toMatch(/^niro_enr_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(c.installCommand).toBe(`curl -fsSL ${t.config.publicUrl}/install.sh | NIRO_TOKEN=${c.token} sh`);
    const ttl = new Date(c.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(59 * 60 * 1000);
    expect(ttl).toBeLessThanOrEqual(60 * 60 * 1000);
    const secret = c.token.split('_').slice(3).join('_');
    const rows = await queryRows<{ t: string }>(t.db, sql`select row_to_json(e)::text as t from enrollment_tokens e where cluster_id = ${c.id}`);
    expect(rows.length).toBe(1);
    expect(rows[0].t).not.toContain(secret);
    // The cluster itself never shows the token again.
    expect(await (await api.call('GET', `/v1/clusters/${c.id}`)).text()).not.toContain(secret);
  });

  test('exchange gives an agent key once; reuse is refused with the same 401 and audited', async () => {
    const c = await newCluster('edge-once');
    const first = await enroll(t, c.token);
    expect(first.status).toBe(200);
    const body = (await first.json()) as { agentKey: string; clusterId: string; heartbeatIntervalSeconds: number };
    expect(body.agentKey).toMatch(/^niro_agent_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(body.clusterId).toBe(c.id);
    expect(body.heartbeatIntervalSeconds).toBe(t.config.heartbeatIntervalSeconds);
    const again = await enroll(t, c.token);
    expect(again.status).toBe(401);
    expect(await again.json()).toEqual(SAME_401);
    const audit = (await (await api.call('GET', `/v1/audit?orgId=${orgId}&action=cluster.enroll_token_reused`)).json()) as { events: { target: string }[] };
    expect(audit.events.map((e) => e.target)).toContain(c.id);
    const cluster = (await (await api.call('GET', `/v1/clusters/${c.id}`)).json()) as { enrolledAt: string | null; status: string };
    expect(cluster.enrolledAt).not.toBeNull();
    expect(cluster.status).toBe('pending');
    const timeline = (await (await api.call('GET', `/v1/clusters/${c.id}/timeline`)).json()) as { entries: { kind: string }[] };
    expect(timeline.entries.map((e) => e.kind)).toContain('enrolled');
  });

  test('expired, malformed, unknown and wrong-secret tokens all get the same 401', async () => {
    const c = await newCluster('edge-expired');
    await t.db.execute(sql`update enrollment_tokens set expires_at = now() - interval '1 second' where cluster_id = ${c.id}`);
    const expired = await enroll(t, c.token);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual(SAME_401);
    const wrongSecret = c.token.slice(0, -4) + (c.token.endsWith('aaaa') ? 'bbbb' : 'aaaa');
    for (const token of ['garbage', 'niro_enr_abcdefghijkl_' + 'x'.repeat(43), wrongSecret]) {
      const res = await enroll(t, token);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(SAME_401);
    }
  });

  test('50 concurrent exchanges of one token yield exactly one key', async () => {
    const c = await newCluster('edge-race');
    const results = await Promise.all(Array.from({ length: 50 }, () => enroll(t, c.token)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBe(1);
    expect(statuses.filter((s) => s === 401).length).toBe(49);
    const [row] = await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from clusters where id = ${c.id} and agent_key_hash is not null`);
    expect(Number(row.n)).toBe(1);
  });

  test('a new token kills the old one; an enrolled cluster gets no token', async () => {
    const c = await newCluster('edge-regen');
    const res = await api.call('POST', `/v1/clusters/${c.id}/enrollment-token`);
    expect(res.status).toBe(201);
    const fresh = (await res.json()) as { token: string; installCommand: string };
    expect(fresh.token).not.toBe(c.token);
    expect(fresh.installCommand).toContain(fresh.token);
    expect((await enroll(t, c.token)).status).toBe(401);
    expect((await enroll(t, fresh.token)).status).toBe(200);
    const late = await api.call('POST', `/v1/clusters/${c.id}/enrollment-token`);
    expect(late.status).toBe(409);
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe('already_enrolled');
  });

  test('bad enroll bodies name the field; a user token is refused', async () => {
    const res = await t.request('/v1/agent/enroll', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'x', agentVersion: '1', protocol: 0 }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toStartWith('protocol:');
    const notJson = await t.request('/v1/agent/enroll', { method: 'POST', body: '{nope' });
    expect(notJson.status).toBe(400);
    const c = await newCluster('edge-bearer');
    const withBearer = await t.request('/v1/agent/enroll', {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}` },
      body: JSON.stringify({ token: c.token, agentVersion: '0.4.0', protocol: 2 }),
    });
    expect(withBearer.status).toBe(401);
  });

  test('a spent token tried 999 times from one address writes one audit row; another address writes a second', async () => {
    const c = await newCluster('edge-retried');
    expect((await enroll(t, c.token)).status).toBe(200);
    const reuseRows = async (): Promise<{ ip: string | null }[]> =>
      queryRows<{ ip: string | null }>(t.db, sql`select ip from audit_events where action = 'cluster.enroll_token_reused' and target = ${c.id} order by id`);
    const attempt = (ip: string) => exchangeEnrollmentToken(t.db, { token: c.token, agentVersion: '0.4.0', protocol: 2, ip });
    // 16 at a time: concurrent retries must not each find "no row yet".
    let left = 999;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (left > 0) {
          left--;
          expect(await attempt('203.0.113.7')).toEqual({ ok: false, reason: 'reused' });
        }
      }),
    );
    expect(await reuseRows()).toEqual([{ ip: '203.0.113.7' }]);
    expect((await attempt('198.51.100.9')).ok).toBe(false);
    expect(await reuseRows()).toEqual([{ ip: '203.0.113.7' }, { ip: '198.51.100.9' }]);
  });
});
