// ROUTES.md is what `npm run routes` renders from the app as it is: adding, moving or re-guarding a route
// without regenerating the file fails here.
import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { listRoutes, renderRoutes, ROUTES_FILE } from './routes';

test('ROUTES.md lists every route as the app declares and guards it (npm run routes rewrites it)', async () => {
  const rows = await listRoutes();
  expect(rows.length).toBeGreaterThan(0);
  expect(readFileSync(ROUTES_FILE, 'utf8')).toBe(renderRoutes(rows));
});
