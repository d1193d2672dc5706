// What Postgres did for a statement a store function sends (`planOf`: the function runs against a Db that answers
// `EXPLAIN (ANALYZE, FORMAT JSON)` of its one statement instead) or a query a store builds (`planOfQuery`), read for
// the scans of a table.
// For tests that hold a statement to a plan shape (a page cut before a join, a count from an index alone).
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';

type PlanNode = Record<string, unknown>;

/** `settings` for the transaction `tx` only (`enable_seqscan: 'off'`, say). */
async function setLocally(tx: Db, settings: Record<string, string> = {}): Promise<void> {
  for (const [name, value] of Object.entries(settings)) await tx.execute(sql`select set_config(${name}, ${value}, true)`);
}

/** The executed plan (EXPLAIN ANALYZE) of `q`. */
async function explain(tx: Db, q: SQLWrapper): Promise<PlanNode> {
  const [row] = await queryRows<{ 'QUERY PLAN': { Plan: PlanNode }[] | string }>(tx, sql`explain (analyze, format json) ${q}`);
  const plan = row['QUERY PLAN'];
  return (typeof plan === 'string' ? (JSON.parse(plan) as { Plan: PlanNode }[]) : plan)[0].Plan;
}

/**
 * The plan of the one statement `run` sends through `db.execute`; `run` gets `answer` as the statement's rows.
 * `settings` are set for that transaction only.
 */
export async function planOf(
  db: Db,
  run: (db: Db) => Promise<unknown>,
  opts: { settings?: Record<string, string>; answer?: unknown[] } = {},
): Promise<PlanNode> {
  return db.transaction(async (tx) => {
    await setLocally(tx, opts.settings);
    const plans: PlanNode[] = [];
    const explaining = Object.assign(Object.create(tx) as Db, {
      execute: async (q: SQL) => {
        plans.push(await explain(tx, q));
        return opts.answer ?? [];
      },
    });
    await run(explaining);
    if (plans.length !== 1) throw new Error(`expected one statement, got ${plans.length}`);
    return plans[0];
  });
}

/** The plan of a query a store builds (a query builder, not yet run); `settings` for that transaction only. */
export async function planOfQuery(db: Db, q: SQLWrapper, opts: { settings?: Record<string, string> } = {}): Promise<PlanNode> {
  return db.transaction(async (tx) => {
    await setLocally(tx, opts.settings);
    return explain(tx, q);
  });
}

function walk(node: PlanNode, visit: (node: PlanNode) => void): void {
  visit(node);
  for (const child of (node.Plans as PlanNode[] | undefined) ?? []) walk(child, visit);
}

/** The part of the plan that computes the common table expression `name` (`with name as (…)`). */
export function cteOf(plan: PlanNode, name: string): PlanNode {
  let found: PlanNode | undefined;
  walk(plan, (node) => {
    if (node['Subplan Name'] === `CTE ${name}`) found ??= node;
  });
  if (!found) throw new Error(`no CTE ${name} in the plan`);
  return found;
}

/** Rows the plan read from `table`, over every loop of every node on it. */
export function rowsRead(plan: PlanNode, table: string): number {
  let n = 0;
  walk(plan, (node) => {
    if (node['Relation Name'] === table) n += Number(node['Actual Rows']) * Number(node['Actual Loops']);
  });
  return n;
}

export type Scan = { type: string; index: string | undefined; heapFetches: number | undefined };

/** The plan's scans of `table`: node type, index, heap fetches (index-only scans). */
export function scansOf(plan: PlanNode, table: string): Scan[] {
  const out: Scan[] = [];
  walk(plan, (node) => {
    if (node['Relation Name'] === table)
      out.push({ type: String(node['Node Type']), index: node['Index Name'] as string | undefined, heapFetches: node['Heap Fetches'] as number | undefined });
  });
  return out;
}
