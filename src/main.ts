// The control plane: config → database → migrations → app → listen. Nothing else lives here.
// A server without an owner prints its one-time setup URL. `niro --version` prints the version.
import { VERSION, loadConfig } from './config';
import { createLogger } from './log';
import { startServer, stopOnSignals } from './server';
import { offerSetup } from './accounts/setup';

const args = process.argv.slice(2);
if (args[0] === '--version' || args[0] === '-v') {
  console.log(`niro ${VERSION}`);
  process.exit(0);
}
const loaded = loadConfig();
if (!loaded.ok) {
  for (const e of loaded.errors) console.error(`config error: ${e}`);
  process.exit(1);
}
const log = createLogger(loaded.config.logLevel);
const starting = startServer(loaded.config, log);
// Installed before the server listens, so a SIGTERM during start-up still shuts down cleanly.
stopOnSignals(async () => (await starting).stop(), log);
const server = await starting;
await offerSetup(server.database.db, loaded.config.publicUrl, log);
