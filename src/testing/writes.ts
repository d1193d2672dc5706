// Counts the rows written to a test database (insert, update or delete, any table), so a test can show
// that a refused request wrote nothing: a row trigger on every table bumps one counter. Counts what was
// committed: a rolled-back transaction takes its bumps with it.
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';

export type WriteCounter = { read(): Promise<number> };

export async function installWriteCounter(db: Db): Promise<WriteCounter> {
  await db.execute(sql`create table if not exists test_row_writes (n bigint not null)`);
  await db.execute(sql`insert into test_row_writes select 0 where not exists (select 1 from test_row_writes)`);
  await db.execute(
    sql.raw(`create or replace function test_count_row_write() returns trigger language plpgsql as $$
      begin update test_row_writes set n = n + 1; return null; end $$`),
  );
  // Partitioned tables take the trigger once, on the parent (their partitions inherit it).
  await db.execute(
    sql.raw(`do $$ declare r record; begin
      for r in select c.relname from pg_class c join pg_namespace s on s.oid = c.relnamespace
               where s.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition and c.relname <> 'test_row_writes' loop
        execute format('create or replace trigger test_count_row_write after insert or update or delete on %I for each row execute function test_count_row_write()', r.relname);
      end loop; end $$`),
  );
  return {
    async read() {
      const [row] = await queryRows<{ n: string | number }>(db, sql`select n from test_row_writes`);
      return Number(row.n);
    },
  };
}
