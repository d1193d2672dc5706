// Every table of the migrated schema has a place on a distributed Postgres (src/db/distribution.ts), every distributed
// one carries its key NOT NULL, and Citus's key rules are broken exactly where the map says so — no more, no fewer.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { queryRows } from './client';
import { DISTRIBUTION, type Placement } from './distribution';

type Table = { name: string; columns: Map<string, { notNull: boolean }> };
/** A primary key or unique index: its key columns, null for an expression. */
type UniqueIndex = { table: string; name: string; columns: (string | null)[] };
type ForeignKey = { table: string; name: string; columns: string[]; target: string; targetColumns: string[] };

let pg: TestDatabase;
let tables: Map<string, Table>;
let uniques: UniqueIndex[];
let foreignKeys: ForeignKey[];

/** `public` tables by their bare name, others qualified by schema (drizzle's bookkeeping). */
const qualified = sql`case when n.nspname = 'public' then c.relname else n.nspname || '.' || c.relname end`;
const userTables = sql`c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`;

beforeAll(async () => {
  pg = await createTestDatabase();
  const db = pg.database.db;
  const columns = await queryRows<{ table: string; column: string; not_null: boolean }>(
    db,
    sql`select ${qualified} as table, a.attname as column, a.attnotnull as not_null
        from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid
        where ${userTables} and a.attnum > 0 and not a.attisdropped`,
  );
  tables = new Map();
  for (const r of columns) {
    const t = tables.get(r.table) ?? { name: r.table, columns: new Map() };
    t.columns.set(r.column, { notNull: r.not_null });
    tables.set(r.table, t);
  }
  uniques = await queryRows<UniqueIndex>(
    db,
    sql`select ${qualified} as table, ic.relname as name,
          array(select a.attname from unnest((i.indkey::int2[])[0:i.indnkeyatts - 1]) with ordinality k(attnum, pos)
                left join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum order by k.pos) as columns
        from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace join pg_class ic on ic.oid = i.indexrelid
        where ${userTables} and i.indisunique`,
  );
  foreignKeys = await queryRows<ForeignKey>(
    db,
    sql`select ${qualified} as table, k.conname as name,
          array(select a.attname from unnest(k.conkey) with ordinality x(attnum, pos) join pg_attribute a on a.attrelid = k.conrelid and a.attnum = x.attnum order by x.pos) as columns,
          (select case when tn.nspname = 'public' then t.relname else tn.nspname || '.' || t.relname end
             from pg_class t join pg_namespace tn on tn.oid = t.relnamespace where t.oid = k.confrelid) as target,
          array(select a.attname from unnest(k.confkey) with ordinality x(attnum, pos) join pg_attribute a on a.attrelid = k.confrelid and a.attnum = x.attnum order by x.pos) as "targetColumns"
        from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
        where ${userTables} and k.contype = 'f'`,
  );
});

afterAll(async () => {
  await pg.drop();
});

function keyColumn(p: Placement): string | null {
  return p.kind === 'distributed' ? (p.column ?? p.by) : null;
}

/** Whether a foreign key from a table placed `from` to one placed `to` is one Citus accepts. */
function foreignKeyAllowed(fk: ForeignKey, from: Placement, to: Placement): boolean {
  if (from.kind === 'local') return to.kind !== 'distributed';
  if (from.kind === 'reference') return to.kind === 'reference' || to.kind === 'local';
  if (to.kind === 'reference') return true;
  if (to.kind === 'local' || to.by !== from.by) return false;
  const own = keyColumn(from);
  const theirs = keyColumn(to);
  return fk.columns.some((c, i) => c === own && fk.targetColumns[i] === theirs);
}

/** Every rule broken, as "table.name" (a unique index or foreign key), plus "table.<column>" for a missing key. */
function brokenRules(): string[] {
  const out: string[] = [];
  for (const [name, p] of Object.entries(DISTRIBUTION)) {
    const key = keyColumn(p);
    if (key && !tables.get(name)?.columns.has(key)) out.push(`${name}.<${key}>`);
  }
  for (const u of uniques) {
    const p = DISTRIBUTION[u.table];
    const key = p && keyColumn(p);
    if (key && !u.columns.includes(key)) out.push(`${u.table}.${u.name}`);
  }
  for (const fk of foreignKeys) {
    const from = DISTRIBUTION[fk.table];
    const to = DISTRIBUTION[fk.target];
    if (from && to && !foreignKeyAllowed(fk, from, to)) out.push(`${fk.table}.${fk.name}`);
  }
  return out.sort();
}

function recordedExceptions(): string[] {
  const out: string[] = [];
  for (const [name, p] of Object.entries(DISTRIBUTION)) {
    if (p.kind === 'distributed' && p.lacksColumn) out.push(`${name}.<${keyColumn(p)}>`);
    for (const e of Object.keys(p.exceptions ?? {})) out.push(`${name}.${e}`);
  }
  return out.sort();
}

test('every table of the migrated schema is placed, and every placed table exists', () => {
  const unplaced = [...tables.keys()].filter((t) => !(t in DISTRIBUTION)).sort();
  const stale = Object.keys(DISTRIBUTION)
    .filter((t) => !tables.has(t))
    .sort();
  expect({ unplaced, stale }).toEqual({ unplaced: [], stale: [] });
  expect(tables.size).toBeGreaterThan(40);
});

test('every distributed table carries its key, NOT NULL, unless the map says it lacks it', () => {
  const problems: string[] = [];
  for (const [name, p] of Object.entries(DISTRIBUTION)) {
    if (p.kind !== 'distributed') continue;
    const key = keyColumn(p)!;
    const column = tables.get(name)?.columns.get(key);
    if (!column && !p.lacksColumn) problems.push(`${name} has no ${key}`);
    if (column && p.lacksColumn) problems.push(`${name} has ${key} now: drop lacksColumn`);
    if (column && !column.notNull) problems.push(`${name}.${key} is nullable`);
  }
  expect(problems).toEqual([]);
});

test('the fleet tables are distributed by cluster and carry cluster_id', () => {
  const fleet = [
    'cluster_pods',
    'cluster_nodes',
    'cluster_workloads',
    'usage_samples',
    'usage_rollups',
    'fleet_pods',
    'fleet_pod_usage',
    'commands',
    'cluster_timeline',
  ];
  for (const t of fleet) {
    expect({ t, placement: DISTRIBUTION[t]?.kind, by: (DISTRIBUTION[t] as { by?: string }).by }).toEqual({ t, placement: 'distributed', by: 'cluster_id' });
    expect({ t, notNull: tables.get(t)?.columns.get('cluster_id')?.notNull }).toEqual({ t, notNull: true });
  }
});

test('primary keys, unique indexes and foreign keys break the Citus rules exactly where the map records it', () => {
  const broken = brokenRules();
  // The checked list itself, so a reader of the test output sees what a Citus migration has to change.
  expect(broken.length).toBeGreaterThan(0);
  expect(broken).toEqual(recordedExceptions());
});

test('a rule that holds is not reported, one that is broken is', () => {
  // Guards the check itself, on constraints known to exist: keys that include the distribution column pass.
  const broken = new Set(brokenRules());
  const names = new Set([...uniques, ...foreignKeys].map((c) => `${c.table}.${c.name}`));
  const cases = {
    'cluster_pods.cluster_pods_cluster_id_namespace_name_pk': false,
    'fleet_pod_usage.fleet_pod_usage_cluster_id_namespace_name_fleet_pods_cluster_id': false,
    'enrollment_tokens.enrollment_tokens_cluster_id_clusters_id_fk': false,
    'clusters.clusters_org_id_orgs_id_fk': false,
    'incidents.incidents_pkey': true,
    'deployment_targets.deployment_targets_deployment_id_deployments_id_fk': true,
    'incident_silences.incident_silences_cluster_id_clusters_id_fk': true,
  };
  for (const [name, reported] of Object.entries(cases))
    expect({ name, exists: names.has(name), reported: broken.has(name) }).toEqual({ name, exists: true, reported });
});

/** The rows of docs/scale.md's table list, as the map says they should read. */
function placementRows(): string[] {
  return Object.entries(DISTRIBUTION).map(([name, p]) => {
    const where =
      p.kind === 'distributed' ? `distributed by ${p.by}${p.column ? ` (its \`${p.column}\`)` : ''}${p.lacksColumn ? ' — lacks the column' : ''}` : p.kind;
    return `| \`${name}\` | ${where} | ${p.why} |`;
  });
}

/** The rows of docs/scale.md's list of what a Citus migration must change, as the map records them. */
function exceptionRows(): string[] {
  const rows: string[] = [];
  for (const [name, p] of Object.entries(DISTRIBUTION)) {
    if (p.kind === 'distributed' && p.lacksColumn) rows.push(`| \`${name}\` | no \`${keyColumn(p)}\` column | ${p.lacksColumn} |`);
    for (const [what, fix] of Object.entries(p.exceptions ?? {})) rows.push(`| \`${name}\` | \`${what}\` | ${fix} |`);
  }
  return rows;
}

/** The `| \`…` rows between `<!-- name: src/db/distribution.ts -->` and `<!-- /name -->` in docs/scale.md. */
function docRows(doc: string, name: string): string[] {
  const section = doc.split(`<!-- ${name}: src/db/distribution.ts -->`)[1]?.split(`<!-- /${name} -->`)[0] ?? '';
  return section.split('\n').filter((l) => l.startsWith('| `'));
}

test('docs/scale.md lists every table and every exception as the map records them', () => {
  const doc = readFileSync(join(import.meta.dir, '../../docs/scale.md'), 'utf8');
  for (const [name, expected] of [
    ['tables', placementRows()],
    ['exceptions', exceptionRows()],
  ] as const) {
    const rows = docRows(doc, name);
    if (rows.join('\n') !== expected.join('\n')) console.log(`docs/scale.md's ${name} should read:\n${expected.join('\n')}`);
    expect(rows).toEqual(expected);
  }
});
