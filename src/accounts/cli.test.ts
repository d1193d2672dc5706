// `niro admin`: create a user (with a new or an existing organization and a role), reset a password, create an API
// token — what it prints is exactly what works against the real app; refusals and usage errors say why.
import { createPasswordHashing } from './hashing';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { signIn, startTestApp, type TestApp } from '../testing/app';
import { ADMIN_USAGE, runAdminCli } from './cli';
import { completeSetup, issueSetupToken } from './setup';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

type Run = { code: number; out: string[]; err: string[] };

async function admin(args: string[], stdin = ''): Promise<Run> {
  const run: Run = { code: -1, out: [], err: [] };
  run.code = await runAdminCli(args, {
    env: { DATABASE_URL: t.testDb.url, NIRO_SECRET: 's'.repeat(40) },
    out: (l) => run.out.push(l),
    err: (l) => run.err.push(l),
    readStdin: async () => stdin,
  });
  return run;
}

async function me(
  headers: Record<string, string>,
): Promise<{ status: number; body: { email: string; orgs: { name: string; role: string; parentId: string | null }[] } }> {
  const res = await t.request('/v1/me', { headers });
  return { status: res.status, body: res.status === 200 ? await res.json() : null };
}

describe('user create', () => {
  test('with a new root organization: its owner, with a printed password that signs in', async () => {
    const run = await admin(['user', 'create', '--email', 'Ops@Acme.test', '--name', 'Ops', '--new-org', 'Acme MSP']);
    expect(run.code).toBe(0);
    expect(run.out).toHaveLength(1);
    expect(run.err[0]).toStartWith('created ops@acme.test (owner of Acme MSP, ');
    const browser = await signIn(t, { id: '', email: 'ops@acme.test', password: run.out[0] });
    expect((await me({ cookie: browser.cookie })).body.orgs).toEqual([expect.objectContaining({ name: 'Acme MSP', role: 'owner', parentId: null })]);
    // An owner exists now: the server offers no setup link.
    expect(await issueSetupToken(t.db)).toBeNull();
  });

  test('into an existing organization by name, with a role and a password from stdin', async () => {
    const run = await admin(
      ['user', 'create', '--email', 'viewer@acme.test', '--org', 'Acme MSP', '--role', 'viewer', '--password-stdin'],
      'a password from stdin\n',
    );
    expect(run).toMatchObject({ code: 0, out: [] });
    const browser = await signIn(t, { id: '', email: 'viewer@acme.test', password: 'a password from stdin' });
    expect((await me({ cookie: browser.cookie })).body.orgs).toEqual([expect.objectContaining({ name: 'Acme MSP', role: 'viewer' })]);
  });

  test('refusals name the problem and change nothing', async () => {
    expect(await admin(['user', 'create', '--email', 'ops@acme.test', '--new-org', 'Second'])).toMatchObject({
      code: 1,
      err: ['niro admin: email: an account with ops@acme.test exists already'],
    });
    expect((await admin(['user', 'create', '--email', 'x@acme.test', '--org', 'Nope'])).err[0]).toContain('no organization named "Nope"');
    expect((await admin(['user', 'create', '--email', 'x@acme.test', '--password-stdin'], 'short\n')).err[0]).toBe(
      'niro admin: password: must be at least 10 characters',
    );
    expect((await admin(['user', 'create', '--email', 'not-an-email'])).err[0]).toBe('niro admin: email: must be an email address');
    expect((await admin(['user', 'create', '--email', 'x@acme.test', '--new-org', 'Second'])).code).toBe(0);
    expect((await admin(['user', 'create', '--email', 'y@acme.test', '--new-org', 'Second'])).code).toBe(0);
    const twice = await admin(['user', 'create', '--email', 'z@acme.test', '--org', 'Second']);
    expect(twice.code).toBe(1);
    expect(twice.err[0]).toContain('2 organizations are named "Second": give the id of one');
  });
});

test('user reset-password: the new password works and every session of the account ends', async () => {
  await admin(['user', 'create', '--email', 'locked@acme.test', '--org', 'Acme MSP', '--password-stdin'], 'the forgotten one\n');
  const before = await signIn(t, { id: '', email: 'locked@acme.test', password: 'the forgotten one' });
  const run = await admin(['user', 'reset-password', '--email', 'locked@acme.test']);
  expect(run.code).toBe(0);
  expect(run.err).toEqual(['password set; 1 session(s) signed out']);
  expect((await me({ cookie: before.cookie })).status).toBe(401);
  await signIn(t, { id: '', email: 'locked@acme.test', password: run.out[0] });
  expect((await admin(['user', 'reset-password', '--email', 'nobody@acme.test'])).err).toEqual(['niro admin: email: no account with nobody@acme.test']);
});

test('token create: prints a token that authenticates as the account, read scope refusing writes', async () => {
  const run = await admin(['token', 'create', '--email', 'ops@acme.test', '--name', 'provisioning', '--scope', 'read', '--expires-days', '30']);
  expect(run.code).toBe(0);
  expect(run.out[0]).toMatch(/^niro_pat_/);
  const bearer = { authorization: `Bearer ${run.out[0]}` };
  expect((await me(bearer)).body.email).toBe('ops@acme.test');
  const write = await t.request('/v1/tokens', {
    method: 'POST',
    headers: { ...bearer, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'x' }),
  });
  expect(write.status).toBe(403);
  const audit = (await (await t.request('/v1/audit?action=token.create', { headers: bearer })).json()) as { events: { actor: string }[] };
  expect(audit.events.map((e) => e.actor)).toContain('niro admin');
});

test('usage errors exit 2 with the usage, before touching any database', async () => {
  const cases = [
    [],
    ['user'],
    ['user', 'delete'],
    ['token', 'create', '--email', 'a@b.test'],
    ['user', 'create', '--email', 'a@b.test', '--role', 'boss', '--new-org', 'X'],
    ['user', 'create', '--bogus'],
  ];
  for (const args of cases) {
    const run = await runAdminCli(args, {
      env: { DATABASE_URL: 'postgres://nowhere.invalid/x', NIRO_SECRET: 's'.repeat(40) },
      out: () => {},
      err: () => {},
      readStdin: async () => '',
    });
    expect({ args, code: run }).toEqual({ args, code: 2 });
  }
  const help: string[] = [];
  expect(await runAdminCli(['--help'], { env: {}, out: () => {}, err: (l) => help.push(l), readStdin: async () => '' })).toBe(0);
  expect(help).toEqual([ADMIN_USAGE]);
});

test('setup refuses to take over an account the CLI made before any owner existed', async () => {
  // A fresh app: no owner yet, and an account without an organization made by the CLI.
  const fresh = await startTestApp();
  try {
    const env = { DATABASE_URL: fresh.testDb.url, NIRO_SECRET: 's'.repeat(40) };
    const io = { env, out: () => {}, err: () => {}, readStdin: async () => '' };
    expect(await runAdminCli(['user', 'create', '--email', 'early@acme.test'], io)).toBe(0);
    const token = (await issueSetupToken(fresh.db))!;
    const input = { token, email: 'early@acme.test', name: '', password: 'a long enough one', orgName: 'Acme', ip: null };
    expect(await completeSetup(fresh.db, createPasswordHashing(), input)).toEqual({ ok: false, reason: 'email_taken' });
    expect((await completeSetup(fresh.db, createPasswordHashing(), { ...input, email: 'owner@acme.test' })).ok).toBe(true);
  } finally {
    await fresh.close();
  }
});

test('npm run admin runs the same command line (the server binary takes it as `niro admin`)', async () => {
  const child = Bun.spawn(['npm', 'run', '--silent', 'admin', '--', 'token', 'create', '--email', 'ops@acme.test', '--name', 'from-npm'], {
    cwd: join(import.meta.dir, '..', '..'),
    env: { ...process.env, DATABASE_URL: t.testDb.url, NIRO_SECRET: 's'.repeat(40) },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  expect({ code, err }).toEqual({ code: 0, err: 'created a write token for ops@acme.test\n' });
  expect((await me({ authorization: `Bearer ${out.trim()}` })).body.email).toBe('ops@acme.test');
}, 60_000);
