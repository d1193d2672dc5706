// Org tree tenancy: visible set = memberships + descendants; outside answers 404; viewers read only.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import type { Org } from './schema';

let t: TestApp;
let msp: Org, childA: Org, childB: Org, other: Org;
type Client = Awaited<ReturnType<typeof apiClient>>;
let mspOwner: Client, childAMember: Client, otherOwner: Client, viewer: Client;
let childABrowser: Awaited<ReturnType<typeof signIn>>;

beforeAll(async () => {
  t = await startTestApp();
  const [u1, u2, u3, u4] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
  msp = await makeOrg(t.db, 'MSP', null, { userId: u1.id, role: 'owner' });
  childA = await makeOrg(t.db, 'Customer A', msp, { userId: u2.id, role: 'admin' });
  childB = await makeOrg(t.db, 'Customer B', msp);
  other = await makeOrg(t.db, 'Other', null, { userId: u3.id, role: 'owner' });
  await makeOrg(t.db, 'Viewer home', null, { userId: u4.id, role: 'owner' });
  const { setMembership } = await import('./store');
  await setMembership(t.db, msp.id, u4.id, 'viewer');
  mspOwner = await apiClient(t, await signIn(t, u1));
  childABrowser = await signIn(t, u2);
  childAMember = await apiClient(t, childABrowser);
  otherOwner = await apiClient(t, await signIn(t, u3));
  viewer = await apiClient(t, await signIn(t, u4));
});
afterAll(async () => {
  await t.close();
});

async function orgIds(c: Client): Promise<string[]> {
  const body = (await (await c.call('GET', '/v1/orgs')).json()) as { orgs: { id: string }[] };
  return body.orgs.map((o) => o.id).sort();
}

describe('visible set', () => {
  test('a parent-org member sees every child org', async () => {
    expect(await orgIds(mspOwner)).toEqual([msp.id, childA.id, childB.id].sort());
    expect((await mspOwner.call('GET', `/v1/orgs/${childB.id}/members`)).status).toBe(200);
  });

  test('a child-org member never sees the parent or siblings', async () => {
    expect(await orgIds(childAMember)).toEqual([childA.id]);
    for (const id of [msp.id, childB.id]) {
      expect((await childAMember.call('GET', `/v1/orgs/${id}`)).status).toBe(404);
      expect((await childAMember.call('GET', `/v1/orgs/${id}/members`)).status).toBe(404);
    }
  });

  test('org B resources answer 404 to a user of org A, by API and by page', async () => {
    for (const path of [`/v1/orgs/${other.id}`, `/v1/orgs/${other.id}/members`, `/v1/orgs/${other.id}/children`, `/v1/audit?orgId=${other.id}`]) {
      const res = await childAMember.call('GET', path);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
    for (const [method, path, body] of [
      ['PATCH', `/v1/orgs/${other.id}`, { name: 'x' }],
      ['POST', `/v1/orgs/${other.id}/members`, { email: 'a@b.co', role: 'viewer' }],
      ['POST', '/v1/orgs', { parentId: other.id, name: 'x' }],
    ] as const) {
      expect((await childAMember.call(method, path, body)).status).toBe(404);
    }
    // Page: switching to a foreign org and adding a member there both 404.
    expect((await childABrowser.post('/org-switch', { orgId: other.id })).status).toBe(404);
    expect((await childABrowser.post('/settings/members', { orgId: other.id, email: 'x@y.co', role: 'viewer' })).status).toBe(404);
    // Malformed ids are not found either, never a 500.
    expect((await childAMember.call('GET', '/v1/orgs/not-a-uuid')).status).toBe(404);
  });
});

describe('roles', () => {
  test('a viewer cannot change anything (403), but can read', async () => {
    expect((await viewer.call('GET', `/v1/orgs/${childA.id}/members`)).status).toBe(200);
    expect((await viewer.call('PATCH', `/v1/orgs/${msp.id}`, { name: 'Renamed' })).status).toBe(403);
    expect((await viewer.call('POST', `/v1/orgs/${msp.id}/members`, { email: 'new@example.com', role: 'member' })).status).toBe(403);
    expect((await viewer.call('POST', '/v1/orgs', { parentId: msp.id, name: 'Sneaky' })).status).toBe(403);
  });

  test('admin creates a child org and adds a member by email; the change is audited', async () => {
    const res = await childAMember.call('POST', '/v1/orgs', { parentId: childA.id, name: 'Site 1' });
    expect(res.status).toBe(201);
    const site = (await res.json()) as { id: string; depth: number };
    expect(site.depth).toBe(2);
    const add = await childAMember.call('POST', `/v1/orgs/${site.id}/members`, { email: 'Tech@Example.com', role: 'member' });
    expect(add.status).toBe(201);
    const added = (await add.json()) as { email: string; temporaryPassword: string | null };
    expect(added.email).toBe('tech@example.com');
    expect(added.temporaryPassword).toBeString();
    const audit = (await (await childAMember.call('GET', `/v1/audit?orgId=${site.id}`)).json()) as { events: { action: string; target: string }[] };
    expect(audit.events.map((e) => e.action)).toContain('member.add');
    // The MSP owner sees the grandchild too.
    expect(await orgIds(mspOwner)).toContain(site.id);
  });

  test('the last owner cannot be removed', async () => {
    const members = (await (await otherOwner.call('GET', `/v1/orgs/${other.id}/members`)).json()) as { members: { userId: string }[] };
    const res = await otherOwner.call('DELETE', `/v1/orgs/${other.id}/members/${members.members[0].userId}`);
    expect(res.status).toBe(409);
  });

  test('the tree has a bounded depth', async () => {
    let parentId = msp.id;
    let last = 201;
    for (let i = 0; i < 6 && last === 201; i++) {
      const res = await mspOwner.call('POST', '/v1/orgs', { parentId, name: `Level ${i + 1}` });
      last = res.status;
      if (res.status === 201) parentId = ((await res.json()) as { id: string }).id;
    }
    expect(last).toBe(422);
  });
});
