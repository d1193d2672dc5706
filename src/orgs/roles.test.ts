// Only owners manage owners (an admin cannot make, demote or remove one, by API or page), and a child
// org's plan never exceeds its parent's (on create and on change, either side of the pair).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp, type TestUser } from '../testing/app';
import { planWithin, setMembership } from './store';
import type { Org, Plan } from './schema';

let t: TestApp;
type Client = Awaited<ReturnType<typeof apiClient>>;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

async function roleOf(c: Client, orgId: string, userId: string): Promise<string | undefined> {
  const body = (await (await c.call('GET', `/v1/orgs/${orgId}/members`)).json()) as { members: { userId: string; role: string }[] };
  return body.members.find((m) => m.userId === userId)?.role;
}

describe('only owners manage owners', () => {
  let org: Org;
  let ownerUser: TestUser, adminUser: TestUser, memberUser: TestUser, coOwner: TestUser;
  let owner: Client, admin: Client;
  beforeAll(async () => {
    [ownerUser, adminUser, memberUser, coOwner] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
    org = await makeOrg(t.db, 'Roles', null, { userId: ownerUser.id, role: 'owner' });
    await setMembership(t.db, org.id, coOwner.id, 'owner');
    await setMembership(t.db, org.id, adminUser.id, 'admin');
    await setMembership(t.db, org.id, memberUser.id, 'member');
    owner = await apiClient(t, await signIn(t, ownerUser));
    admin = await apiClient(t, await signIn(t, adminUser));
  });

  test('an admin cannot demote, remove or re-add an owner (403), and the owner stays', async () => {
    for (const role of ['admin', 'member', 'viewer']) {
      const res = await admin.call('PATCH', `/v1/orgs/${org.id}/members/${coOwner.id}`, { role });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('owner_only');
    }
    expect((await admin.call('DELETE', `/v1/orgs/${org.id}/members/${coOwner.id}`)).status).toBe(403);
    // Adding an existing owner by email with a lower role would demote them too.
    expect((await admin.call('POST', `/v1/orgs/${org.id}/members`, { email: coOwner.email, role: 'viewer' })).status).toBe(403);
    expect(await roleOf(owner, org.id, coOwner.id)).toBe('owner');
  });

  test('an admin cannot make anyone an owner', async () => {
    expect((await admin.call('PATCH', `/v1/orgs/${org.id}/members/${memberUser.id}`, { role: 'owner' })).status).toBe(403);
    expect((await admin.call('POST', `/v1/orgs/${org.id}/members`, { email: 'new-owner@example.com', role: 'owner' })).status).toBe(403);
    expect(await roleOf(owner, org.id, memberUser.id)).toBe('member');
  });

  test('an admin still manages everyone below owner', async () => {
    expect((await admin.call('PATCH', `/v1/orgs/${org.id}/members/${memberUser.id}`, { role: 'viewer' })).status).toBe(200);
    expect((await admin.call('PATCH', `/v1/orgs/${org.id}/members/${memberUser.id}`, { role: 'member' })).status).toBe(200);
  });

  test('the members page does not offer, nor accept, removing an owner by an admin', async () => {
    const browser = await signIn(t, adminUser);
    await browser.post('/org-switch', { orgId: org.id });
    const page = await (await browser.get('/settings/members')).text();
    expect(page).not.toContain(`/settings/members/${coOwner.id}/remove`);
    expect(page).toContain(`/settings/members/${memberUser.id}/remove`);
    const res = await browser.post(`/settings/members/${coOwner.id}/remove`, { orgId: org.id });
    expect(res.status).toBe(303);
    expect(await roleOf(owner, org.id, coOwner.id)).toBe('owner');
  });

  test('an owner makes, demotes and removes owners', async () => {
    expect((await owner.call('PATCH', `/v1/orgs/${org.id}/members/${memberUser.id}`, { role: 'owner' })).status).toBe(200);
    expect((await owner.call('PATCH', `/v1/orgs/${org.id}/members/${memberUser.id}`, { role: 'member' })).status).toBe(200);
    expect((await owner.call('DELETE', `/v1/orgs/${org.id}/members/${coOwner.id}`)).status).toBe(200);
  });

  test('an owner of a parent org is an owner of its children', async () => {
    const child = await makeOrg(t.db, 'Roles child', org);
    const childOwner = await makeUser(t.db);
    await setMembership(t.db, child.id, childOwner.id, 'owner');
    await setMembership(t.db, child.id, (await makeUser(t.db)).id, 'owner');
    await setMembership(t.db, child.id, adminUser.id, 'admin');
    expect((await admin.call('DELETE', `/v1/orgs/${child.id}/members/${childOwner.id}`)).status).toBe(403);
    expect((await owner.call('PATCH', `/v1/orgs/${child.id}/members/${childOwner.id}`, { role: 'admin' })).status).toBe(200);
  });
});

describe("a child's plan never exceeds its parent's", () => {
  let owner: Client;
  let root: Org;
  beforeAll(async () => {
    const u = await makeUser(t.db);
    root = await makeOrg(t.db, 'Plans', null, { userId: u.id, role: 'owner' });
    owner = await apiClient(t, await signIn(t, u));
    expect((await owner.call('PATCH', `/v1/orgs/${root.id}`, { plan: 'pro' })).status).toBe(200);
  });

  async function plan(id: string): Promise<string> {
    return ((await (await owner.call('GET', `/v1/orgs/${id}`)).json()) as { plan: string }).plan;
  }

  test('on create: above the parent is refused, naming the field; absent, the parent’s plan is taken', async () => {
    const res = await owner.call('POST', '/v1/orgs', { parentId: root.id, name: 'Too big', plan: 'enterprise' });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { message: string } }).error.message).toStartWith('plan:');
    const made = (await (await owner.call('POST', '/v1/orgs', { parentId: root.id, name: 'Default' })).json()) as { plan: string };
    expect(made.plan).toBe('pro');
    expect(((await (await owner.call('POST', '/v1/orgs', { parentId: root.id, name: 'Small', plan: 'free' })).json()) as { plan: string }).plan).toBe('free');
  });

  test("on change: a child's owner cannot raise it above the parent", async () => {
    const child = (await (await owner.call('POST', '/v1/orgs', { parentId: root.id, name: 'Customer', plan: 'free' })).json()) as { id: string };
    const childOwnerUser = await makeUser(t.db);
    await setMembership(t.db, child.id, childOwnerUser.id, 'owner');
    const childOwner = await apiClient(t, await signIn(t, childOwnerUser));
    expect((await childOwner.call('PATCH', `/v1/orgs/${child.id}`, { plan: 'enterprise' })).status).toBe(422);
    expect(await plan(child.id)).toBe('free');
    expect((await childOwner.call('PATCH', `/v1/orgs/${child.id}`, { plan: 'pro' })).status).toBe(200);
  });

  test("a parent's plan cannot fall below a child's (409 naming the child); lowering the child first works", async () => {
    const child = (await (await owner.call('POST', '/v1/orgs', { parentId: root.id, name: 'Pro customer', plan: 'pro' })).json()) as { id: string };
    const res = await owner.call('PATCH', `/v1/orgs/${root.id}`, { plan: 'free' });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('plan:');
    expect(await plan(root.id)).toBe('pro');
    const sibling = (await (await owner.call('GET', `/v1/orgs/${root.id}/children`)).json()) as { orgs: { id: string }[] };
    for (const o of sibling.orgs) expect((await owner.call('PATCH', `/v1/orgs/${o.id}`, { plan: 'free' })).status).toBe(200);
    expect((await owner.call('PATCH', `/v1/orgs/${root.id}`, { plan: 'free' })).status).toBe(200);
    expect(await plan(child.id)).toBe('free');
  });

  test('a parent lowering and a child rising at once: never both', async () => {
    const u = await makeUser(t.db);
    const top = await makeOrg(t.db, 'Race', null, { userId: u.id, role: 'owner' });
    const c = await apiClient(t, await signIn(t, u));
    expect((await c.call('PATCH', `/v1/orgs/${top.id}`, { plan: 'enterprise' })).status).toBe(200);
    const child = (await (await c.call('POST', '/v1/orgs', { parentId: top.id, name: 'Race child', plan: 'free' })).json()) as { id: string };
    for (let i = 0; i < 5; i++) {
      await c.call('PATCH', `/v1/orgs/${child.id}`, { plan: 'free' });
      await c.call('PATCH', `/v1/orgs/${top.id}`, { plan: 'enterprise' });
      await Promise.all([c.call('PATCH', `/v1/orgs/${top.id}`, { plan: 'free' }), c.call('PATCH', `/v1/orgs/${child.id}`, { plan: 'enterprise' })]);
      const parentPlan = ((await (await c.call('GET', `/v1/orgs/${top.id}`)).json()) as { plan: Plan }).plan;
      const childPlan = ((await (await c.call('GET', `/v1/orgs/${child.id}`)).json()) as { plan: Plan }).plan;
      expect(planWithin(childPlan, parentPlan)).toBe(true);
    }
  });
});
