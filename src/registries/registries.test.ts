// Registry credentials on real Postgres: the API (masked, write-only password, rotate, delete, audit, roles, org
// scope), the settings pages, delivery as a filled dockerconfigjson Secret only in the copy handed to the agent
// (and refused for another org's registry), and a scan of responses, logs and every table for the password.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { parseAllDocuments } from 'yaml';
import { queryRows } from '../db/client';
import { AGENT_KEY_HEADER, AGENT_PATHS, type Capabilities, type CommandEnvelope } from '../contract';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, makePods, sendHeartbeat } from '../testing/heartbeats';
import { setMembership } from '../orgs/store';
import type { Org } from '../orgs/schema';
import { pullSecretPlaceholder } from './credentials';
import { buildDeployment } from '../deployments/builder';
import { insertDeployment, insertRevision, upsertTarget } from '../deployments/store';

type Api = Awaited<ReturnType<typeof apiClient>>;
type RegistryJson = { id: string; orgId: string; name: string; server: string; username: string; password: string; secretName: string; rotatedAt: string };

const PASSWORD = 'ghp_S3cretRegistryToken0123456789abcdef';
const ROTATED = 'ghp_RotatedRegistryToken9876543210fedcba';
const APPLY_ON: Capabilities = { ...ALL_CAPABILITIES_OFF, apply: { enabled: true, detectedBy: 'SelfSubjectAccessReview patch deployments.apps' } };

let t: TestApp;
let owner: Api;
let ownerBrowser: Browser;
let viewer: Api;
let stranger: Api;
let org: Org;
let child: Org;
let otherOrg: Org;
let ownerUserId = '';
/** Every response body the tests read, for the final scan. */
const seen: string[] = [];

async function call(api: Api, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await api.call(method, path, body);
  const text = await res.text();
  seen.push(text);
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  t = await startTestApp({ commandsPollSeconds: 1, heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 });
  const u = await makeUser(t.db);
  org = await makeOrg(t.db, 'Registry Org', null, { userId: u.id, role: 'owner' });
  child = await makeOrg(t.db, 'Registry Customer', org);
  ownerUserId = u.id;
  ownerBrowser = await signIn(t, u);
  owner = await apiClient(t, ownerBrowser);
  const v = await makeUser(t.db);
  await makeOrg(t.db, 'Viewer Home', null);
  await setMembership(t.db, org.id, v.id, 'viewer');
  viewer = await apiClient(t, await signIn(t, v));
  const s = await makeUser(t.db);
  otherOrg = await makeOrg(t.db, 'Elsewhere', null, { userId: s.id, role: 'owner' });
  stranger = await apiClient(t, await signIn(t, s));
});
afterAll(async () => {
  await t.close();
});

async function newRegistry(name: string, api: Api = owner, orgId = org.id): Promise<RegistryJson> {
  const res = await call(api, 'POST', '/v1/registries', { orgId, name, server: 'https://ghcr.io/', username: 'acme-bot', password: PASSWORD });
  expect(res.status).toBe(201);
  return res.json;
}

describe('API', () => {
  test('create answers the registry with its password masked, and never returns it afterwards', async () => {
    const r = await newRegistry('ghcr-acme');
    expect(r).toMatchObject({ orgId: org.id, name: 'ghcr-acme', server: 'ghcr.io', username: 'acme-bot', password: '••••••••', secretName: 'ghcr-acme' });
    const list = await call(owner, 'GET', '/v1/registries');
    expect(list.json.registries.map((x: RegistryJson) => x.name)).toContain('ghcr-acme');
    const one = await call(viewer, 'GET', `/v1/registries/${r.id}`);
    expect(one.status).toBe(200);
    expect(one.json.password).toBe('••••••••');
    const [row] = await queryRows<{ sealed_password: string }>(t.db, sql`select sealed_password from registries where id = ${r.id}`);
    expect(row.sealed_password.startsWith('niro:v1:')).toBe(true);
  });

  test('bad input is refused before any write, naming the field as sent', async () => {
    const bad = async (body: Record<string, unknown>) => {
      const res = await call(owner, 'POST', '/v1/registries', { orgId: org.id, name: 'x', server: 'ghcr.io', username: 'u', password: 'p', ...body });
      return { status: res.status, message: res.json.error.message as string };
    };
    expect(await bad({ name: 'Not A Label' })).toMatchObject({ status: 400, message: expect.stringContaining('name:') });
    expect(await bad({ server: 'not a host/' })).toMatchObject({ status: 400, message: expect.stringContaining('server:') });
    expect(await bad({ username: 'a:b' })).toMatchObject({ status: 400, message: expect.stringContaining('username:') });
    expect(await bad({ password: '' })).toMatchObject({ status: 400, message: expect.stringContaining('password:') });
    expect(await bad({ password: 'x'.repeat(9000) })).toMatchObject({ status: 400, message: expect.stringContaining('password') });
    expect(await bad({ extra: 1 })).toMatchObject({ status: 400, message: expect.stringContaining('extra') });
    const [n] = await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from registries where name = 'x'`);
    expect(n.n).toBe(0);
    await newRegistry('dup-name');
    const dup = await call(owner, 'POST', '/v1/registries', { orgId: org.id, name: 'dup-name', server: 'ghcr.io', username: 'u', password: 'p' });
    expect(dup.status).toBe(409);
    expect(dup.json.error.code).toBe('name_taken');
  });

  test('rotation seals a new password, keeps the rest, and is audited without the value', async () => {
    const r = await newRegistry('rotate-me');
    const [before] = await queryRows<{ sealed_password: string }>(t.db, sql`select sealed_password from registries where id = ${r.id}`);
    const res = await call(owner, 'PATCH', `/v1/registries/${r.id}`, { password: ROTATED });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'rotate-me', server: 'ghcr.io', username: 'acme-bot', password: '••••••••' });
    expect(new Date(res.json.rotatedAt).getTime()).toBeGreaterThanOrEqual(new Date(r.rotatedAt).getTime());
    const [after] = await queryRows<{ sealed_password: string }>(t.db, sql`select sealed_password from registries where id = ${r.id}`);
    expect(after.sealed_password).not.toBe(before.sealed_password);
    const rename = await call(owner, 'PATCH', `/v1/registries/${r.id}`, { name: 'renamed' });
    expect(rename.status).toBe(400);
    expect(rename.json.error.message).toStartWith('name: cannot change');
    const renamed = await call(owner, 'PATCH', `/v1/registries/${r.id}`, { username: 'other-bot' });
    expect(renamed.json.username).toBe('other-bot');
    const audit = await queryRows<{ action: string; details: Record<string, unknown> }>(
      t.db,
      sql`select action, details from audit_events where target = ${r.id} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['registry.create', 'registry.rotate', 'registry.update']);
    expect(audit[1].details).toMatchObject({ passwordRotated: true });
    expect(audit[2].details).toMatchObject({ passwordRotated: false, changed: ['username'] });
  });

  test('viewers read but do not change; another org’s id is 404 for every verb', async () => {
    const r = await newRegistry('scoped');
    expect((await call(viewer, 'PATCH', `/v1/registries/${r.id}`, { password: 'x' })).status).toBe(403);
    expect((await call(viewer, 'DELETE', `/v1/registries/${r.id}`)).status).toBe(403);
    expect((await call(stranger, 'GET', `/v1/registries/${r.id}`)).status).toBe(404);
    expect((await call(stranger, 'PATCH', `/v1/registries/${r.id}`, { password: 'x' })).status).toBe(404);
    expect((await call(stranger, 'DELETE', `/v1/registries/${r.id}`)).status).toBe(404);
    expect((await call(stranger, 'POST', '/v1/registries', { orgId: org.id, name: 'n', server: 'ghcr.io', username: 'u', password: 'p' })).status).toBe(404);
    expect((await call(stranger, 'GET', '/v1/registries')).json.registries).toEqual([]);
    expect((await call(owner, 'DELETE', `/v1/registries/${r.id}`)).status).toBe(200);
    expect((await call(owner, 'GET', `/v1/registries/${r.id}`)).status).toBe(404);
  });
});

describe('pages', () => {
  test('the settings page lists registries masked; the form creates, rotates and deletes', async () => {
    const created = await ownerBrowser.post('/settings/registries', {
      orgId: org.id,
      name: 'page-reg',
      server: 'registry.example.com:5000',
      username: 'ci',
      password: PASSWORD,
    });
    expect(created.status).toBe(303);
    const list = await (await ownerBrowser.follow(created)).text();
    seen.push(list);
    expect(list).toContain('page-reg');
    expect(list).toContain('registry.example.com:5000');
    const id = (await call(owner, 'GET', '/v1/registries')).json.registries.find((r: RegistryJson) => r.name === 'page-reg').id;
    const page = await (await ownerBrowser.get(`/settings/registries/${id}`)).text();
    seen.push(page);
    expect(page).toContain('••••••••');
    const kept = await ownerBrowser.post(`/settings/registries/${id}`, {
      name: 'page-reg',
      server: 'registry.example.com:5000',
      username: 'ci2',
      password: '',
    });
    expect(kept.status).toBe(303);
    const bad = await ownerBrowser.post(`/settings/registries/${id}`, { name: 'Bad Name', server: 'registry.example.com:5000', username: 'ci2' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('name:');
    expect((await ownerBrowser.post(`/settings/registries/${id}/delete`, {})).status).toBe(303);
    expect((await ownerBrowser.get(`/settings/registries/${id}`)).status).toBe(404);
  });
});

let clusterSeq = 0;
async function cluster(orgId: string, api: Api = owner): Promise<{ id: string; key: string }> {
  const c = await createEnrolledCluster(t, api, { name: `reg-${++clusterSeq}`, orgId });
  expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: makePods(1), capabilities: APPLY_ON }))).status).toBe(200);
  return { id: c.clusterId, key: c.agentKey };
}
async function poll(key: string): Promise<CommandEnvelope[]> {
  const res = await t.request(AGENT_PATHS.commands, { headers: { [AGENT_KEY_HEADER]: key } });
  const text = await res.text();
  expect(res.status).toBe(200);
  return (JSON.parse(text) as { commands: CommandEnvelope[] }).commands;
}

describe('delivery', () => {
  const deployment = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: shop\ndata:\n  a: "1"\n';
  const withPlaceholder = (r: { id: string; name: string }) => `${deployment}---\n${JSON.stringify(pullSecretPlaceholder(r, 'shop'))}\n`;

  test('the agent receives the filled dockerconfigjson; the commands table keeps the reference only', async () => {
    const r = await newRegistry('deliver-me');
    // A cluster of the customer (child) org uses its parent's registry.
    const c = await cluster(child.id);
    const queued = await call(owner, 'POST', `/v1/clusters/${c.id}/commands`, { type: 'apply', payload: { manifests: withPlaceholder(r) } });
    expect(queued.status).toBe(202);
    const [cmd] = await poll(c.key);
    expect(cmd.id).toBe(queued.json.id);
    const docs = parseAllDocuments((cmd.payload as { manifests: string }).manifests).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Secret']);
    const secret = docs[1];
    expect(secret).toMatchObject({ type: 'kubernetes.io/dockerconfigjson', metadata: { name: 'deliver-me', namespace: 'shop' } });
    const config = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8'));
    expect(config).toEqual({
      auths: { 'ghcr.io': { username: 'acme-bot', password: PASSWORD, auth: Buffer.from(`acme-bot:${PASSWORD}`).toString('base64') } },
    });
    const [stored] = await queryRows<{ payload: string }>(t.db, sql`select payload::text as payload from commands where id = ${cmd.id}`);
    expect(stored.payload).toContain(r.id);
    expect(stored.payload).not.toContain(PASSWORD);
    expect(stored.payload).not.toContain(Buffer.from(`acme-bot:${PASSWORD}`).toString('base64'));
  });

  test('another org’s registry id is not delivered: the command fails with the reason, nothing reaches the agent', async () => {
    const theirs = await newRegistry('not-yours', stranger, otherOrg.id);
    const c = await cluster(org.id);
    const queued = await call(owner, 'POST', `/v1/clusters/${c.id}/commands`, { type: 'apply', payload: { manifests: withPlaceholder(theirs) } });
    expect(queued.status).toBe(202);
    expect(await poll(c.key)).toEqual([]);
    const after = await call(owner, 'GET', `/v1/clusters/${c.id}/commands/${queued.json.id}`);
    expect(after.json.status).toBe('failed');
    expect(after.json.result.message).toContain('no such registry for this cluster');
  });

  test('a registry of a child org is not delivered to its parent’s cluster', async () => {
    const childReg = await newRegistry('child-reg', owner, child.id);
    const c = await cluster(org.id);
    const queued = await call(owner, 'POST', `/v1/clusters/${c.id}/commands`, { type: 'apply', payload: { manifests: withPlaceholder(childReg) } });
    expect(await poll(c.key)).toEqual([]);
    expect((await call(owner, 'GET', `/v1/clusters/${c.id}/commands/${queued.json.id}`)).json.status).toBe('failed');
  });
});

describe('rotation', () => {
  /** A deployment built with the registry, applied (revision 1) on the cluster, as deploy-core records it. */
  async function appliedDeployment(name: string, clusterId: string, registries: RegistryJson[]): Promise<string> {
    const built = buildDeployment({ name, namespace: 'shop', image: 'ghcr.io/acme/web:1.4.2', registries: registries.map((r) => r.id) }, registries);
    if (!built.ok) throw new Error(built.message);
    const ins = await insertDeployment(t.db, {
      orgId: org.id,
      name,
      namespace: 'shop',
      source: 'builder',
      targets: { clusterIds: [clusterId] },
      createdBy: ownerUserId,
    });
    if (!ins.ok) throw new Error(ins.reason);
    const objects = built.objects.map((o: any) => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name }));
    await insertRevision(t.db, {
      deploymentId: ins.deployment.id,
      number: 1,
      content: built.yaml,
      sha256: 'x',
      source: 'builder',
      builderForm: built.form,
      gitCommit: null,
      message: null,
      rollbackOf: null,
      objects,
      createdBy: ownerUserId,
      createdAt: new Date(),
    });
    await upsertTarget(t.db, { deploymentId: ins.deployment.id, clusterId, desiredRevision: 1, appliedRevision: 1, status: 'applied', updatedAt: new Date() });
    return ins.deployment.id;
  }

  test('a new password re-delivers the pull Secret, stamped with the applied revision, to every cluster using it, and only there', async () => {
    const r = await newRegistry('rotate-deliver');
    const other = await newRegistry('untouched');
    const [a, b, c] = [await cluster(org.id), await cluster(child.id), await cluster(org.id)];
    const depA = await appliedDeployment('web-a', a.id, [r]);
    const depB = await appliedDeployment('web-b', b.id, [r, other]);
    await appliedDeployment('web-c', c.id, [other]);

    const res = await call(owner, 'PATCH', `/v1/registries/${r.id}`, { password: ROTATED });
    expect(res.status).toBe(200);
    expect(res.json.password).toBe('••••••••');
    const sent = res.json.redeliveries as { clusterId: string; deploymentId: string; revision: number; commandId: string | null; refused: string | null }[];
    expect(sent.map((s) => [s.clusterId, s.deploymentId, s.revision, s.refused]).sort()).toEqual(
      [
        [a.id, depA, 1, null],
        [b.id, depB, 1, null],
      ].sort(),
    );
    for (const [cl, dep] of [
      [a, depA],
      [b, depB],
    ] as const) {
      const [cmd] = await poll(cl.key);
      expect(cmd.type).toBe('apply');
      const payload = cmd.payload as { manifests: string; deployment: unknown; prune?: unknown };
      expect(payload.deployment).toEqual({ id: dep, revision: 1 });
      expect(payload.prune).toBeUndefined();
      const docs = parseAllDocuments(payload.manifests).map((d) => d.toJS());
      // Only this registry's Secret: the other registry's and the workload are left as they are.
      expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['Secret/rotate-deliver']);
      const config = JSON.parse(Buffer.from(docs[0].data['.dockerconfigjson'], 'base64').toString('utf8'));
      expect(config.auths['ghcr.io'].password).toBe(ROTATED);
    }
    expect(await poll(c.key)).toEqual([]);
    // Changing only the username re-delivers nothing.
    expect((await call(owner, 'PATCH', `/v1/registries/${r.id}`, { username: 'acme-bot' })).json.redeliveries).toEqual([]);
  });
});

test('no registry password in clear: API responses, server log, every table and column', async () => {
  const tables = await queryRows<{ table_name: string }>(
    t.db,
    sql`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`,
  );
  let dump = '';
  for (const { table_name } of tables) {
    const rows = await queryRows<{ row: string }>(t.db, sql`select t::text as row from ${sql.identifier(table_name)} t`);
    dump += rows.map((r) => r.row).join('\n') + '\n';
  }
  const logs = t.logs.join('\n');
  expect(dump).toContain('acme-bot'); // the dump really holds the registries' rows
  expect(logs.length).toBeGreaterThan(0);
  const responses = seen.join('\n');
  expect(responses).toContain('acme-bot');
  for (const secret of [PASSWORD, ROTATED, Buffer.from(`acme-bot:${PASSWORD}`).toString('base64'), Buffer.from(PASSWORD).toString('base64')]) {
    expect(dump).not.toContain(secret);
    expect(logs).not.toContain(secret);
    expect(responses).not.toContain(secret);
  }
});
