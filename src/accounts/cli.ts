// `niro admin …` (and `npm run admin -- …`): accounts from the command line, against the database the server
// uses (the same environment: DATABASE_URL and NIRO_SECRET, or NIRO_DATA_DIR for the embedded one, which must not
// be open in a running server). Secrets (passwords, tokens) go to stdout alone, everything else to stderr, so
// `TOKEN=$(niro admin token create …)` works in scripts. Exit codes: 0 done, 1 refused or failed, 2 usage.
import { createPasswordHashing } from './hashing';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { openDatabase, type Db } from '../db/client';
import { ROLES, type Role } from '../orgs/schema';
import { TOKEN_SCOPES, type TokenScope } from './schema';
import { adminCreateToken, adminCreateUser, adminResetPassword, type AdminResult, type OrgChoice } from './admin';

export const ADMIN_USAGE = `Usage: niro admin <command> [options]   (npm run admin -- <command> [options])

  user create --email EMAIL [--name NAME] [--org ORG | --new-org NAME] [--role ROLE] [--password-stdin]
      Creates an account. --org: an organization's id or exact name; --new-org: a new root organization.
      --role: ${ROLES.join(', ')} (default: owner with --new-org, member with --org).
      Without --password-stdin a password is generated and printed.
  user reset-password --email EMAIL [--password-stdin]
      Sets a new password (generated and printed unless given) and signs the account out everywhere.
  token create --email EMAIL --name NAME [--scope read|write] [--expires-days DAYS]
      Creates an API token of the account and prints it.

Environment: as the server's (DATABASE_URL and NIRO_SECRET, or NIRO_DATA_DIR for the embedded database).`;

export type CliIo = {
  env: Record<string, string | undefined>;
  /** A secret or a result a script reads: one line. */
  out(line: string): void;
  /** Messages for the person at the terminal. */
  err(line: string): void;
  /** Standard input, for --password-stdin. */
  readStdin(): Promise<string>;
};

type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

const OPTIONS = {
  email: { type: 'string' },
  name: { type: 'string' },
  org: { type: 'string' },
  'new-org': { type: 'string' },
  role: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  scope: { type: 'string' },
  'expires-days': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

function text(parsed: Parsed, name: string, required: boolean): string | null {
  const value = parsed.values[name];
  if (typeof value === 'string' && value !== '') return value;
  if (required) throw new UsageError(`--${name} is required`);
  return null;
}

async function passwordFrom(parsed: Parsed, io: CliIo): Promise<string | null> {
  if (!parsed.values['password-stdin']) return null;
  // The first line: `printf '%s\n' "$PASSWORD" | niro admin …` and a here-string both end with one newline.
  return (await io.readStdin()).split(/\r?\n/)[0];
}

function roleFrom(parsed: Parsed, org: OrgChoice): Role {
  const role = text(parsed, 'role', false);
  if (role === null) return org && 'create' in org ? 'owner' : 'member';
  const known = ROLES.find((r) => r === role);
  if (!known) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  if (!org) throw new UsageError('--role needs --org or --new-org');
  return known;
}

function orgFrom(parsed: Parsed): OrgChoice {
  const existing = text(parsed, 'org', false);
  const create = text(parsed, 'new-org', false);
  if (existing !== null && create !== null) throw new UsageError('give --org or --new-org, not both');
  return existing !== null ? { existing } : create !== null ? { create } : null;
}

type Outcome = AdminResult<{ message: string; secret: string | null }>;

/**
 * The command the arguments name, checked before any database is opened (a typo costs nothing); run it with the
 * database. The outcome's message is for stderr, its secret for stdout.
 */
function planCommand(parsed: Parsed, io: CliIo): (db: Db) => Promise<Outcome> {
  const command = parsed.positionals.join(' ');
  switch (command) {
    case 'user create': {
      const email = text(parsed, 'email', true)!;
      const name = text(parsed, 'name', false) ?? '';
      const org = orgFrom(parsed);
      const role = roleFrom(parsed, org);
      return async (db) => {
        const given = await passwordFrom(parsed, io);
        const res = await adminCreateUser(db, createPasswordHashing(), { email, name, password: given, org, role });
        if (!res.ok) return res;
        const where = res.value.org ? ` (${role} of ${res.value.org.name}, ${res.value.org.id})` : ' (no organization yet: add it as a member of one)';
        return { ok: true, value: { message: `created ${res.value.email}${where}`, secret: given === null ? res.value.password : null } };
      };
    }
    case 'user reset-password': {
      const email = text(parsed, 'email', true)!;
      return async (db) => {
        const given = await passwordFrom(parsed, io);
        const res = await adminResetPassword(db, createPasswordHashing(), email, given);
        if (!res.ok) return res;
        return {
          ok: true,
          value: { message: `password set; ${res.value.sessionsEnded} session(s) signed out`, secret: given === null ? res.value.password : null },
        };
      };
    }
    case 'token create': {
      const email = text(parsed, 'email', true)!;
      const name = text(parsed, 'name', true)!;
      const scopeText = text(parsed, 'scope', false) ?? 'write';
      const scope = TOKEN_SCOPES.find((s): s is TokenScope => s === scopeText);
      if (!scope) throw new UsageError(`--scope must be ${TOKEN_SCOPES.join(' or ')}`);
      const days = text(parsed, 'expires-days', false);
      if (days !== null && !/^\d+$/.test(days)) throw new UsageError('--expires-days must be a whole number of days');
      return async (db) => {
        const res = await adminCreateToken(db, { email, name, scope, expiresInDays: days === null ? null : Number(days) });
        if (!res.ok) return res;
        return { ok: true, value: { message: `created a ${scope} token for ${email}`, secret: res.value.token } };
      };
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  }
}

/** `niro admin <args>`: returns the exit code. */
export async function runAdminCli(args: string[], io: CliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    io.err(`niro admin: ${(e as Error).message}\n\n${ADMIN_USAGE}`);
    return 2;
  }
  if (parsed.values.help || parsed.positionals.length === 0) {
    io.err(ADMIN_USAGE);
    return parsed.values.help ? 0 : 2;
  }
  let run: (db: Db) => Promise<Outcome>;
  try {
    run = planCommand(parsed, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`niro admin: ${e.message}\n\n${ADMIN_USAGE}`);
    return 2;
  }
  const loaded = loadConfig(io.env);
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(`config error: ${e}`);
    return 1;
  }
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase({ databaseUrl: loaded.config.databaseUrl, dataDir: loaded.config.dataDir, maxConnections: 2 });
  } catch (e) {
    io.err(`niro admin: ${(e as Error).message}`);
    return 1;
  }
  try {
    // A scripted install may run this before the server ever started: the schema comes first (under the same lock).
    await database.migrate();
    const result = await run(database.db);
    if (!result.ok) {
      io.err(`niro admin: ${result.problem}`);
      return 1;
    }
    io.err(result.value.message);
    if (result.value.secret !== null) io.out(result.value.secret);
    return 0;
  } finally {
    await database.close();
  }
}
