// A private Postgres takes the settings it is given on top of the test defaults (bench --tuned-postgres relies on it).
import { expect, test } from 'bun:test';
import postgres from 'postgres';
import { startPrivatePostgres } from './private-postgres';

test('settings given are the server’s; the rest keep the test defaults', async () => {
  const pg = await startPrivatePostgres({ settings: { fsync: 'on', shared_buffers: '64MB', max_wal_size: '2GB' } });
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  try {
    const [s] = await sql`select current_setting('fsync') as fsync, current_setting('shared_buffers') as shared_buffers,
                                 current_setting('max_wal_size') as max_wal_size, current_setting('max_connections') as max_connections`;
    expect(s).toEqual({ fsync: 'on', shared_buffers: '64MB', max_wal_size: '2GB', max_connections: '100' });
  } finally {
    await sql.end();
    await pg.destroy();
  }
});
