// The control plane: config → database → migrations → app → listen. Nothing else lives here.
import { loadConfig } from './config';
import { createLogger } from './log';
import { startServer, stopOnSignals } from './server';

const loaded = loadConfig();
if (!loaded.ok) {
  for (const e of loaded.errors) console.error(`config error: ${e}`);
  process.exit(1);
}
const log = createLogger(loaded.config.logLevel);
const starting = startServer(loaded.config, log);
// Installed before the server listens, so a SIGTERM during start-up still shuts down cleanly.
stopOnSignals(async () => (await starting).stop(), log);
await starting;
