// The demo: the control plane on an embedded database (unless DATABASE_URL is set), seeded with a
// demo login and org tree, and a simulated fleet of k3s clusters with real agents (NIRO_DEMO_FLEET=0: none).
import { loadConfig, type Config } from '../config';
import { createLogger, type Logger } from '../log';
import { startServer, stopOnSignals } from '../server';
import { DEMO_DEFAULTS, seedDemo } from './seed';
import { startDemoFleet, type DemoFleet } from './fleet';

const loaded = loadConfig();
if (!loaded.ok) {
  for (const e of loaded.errors) console.error(`config error: ${e}`);
  process.exit(1);
}
const fleetWanted = (process.env.NIRO_DEMO_FLEET ?? '1').trim() !== '0';
const log = createLogger(loaded.config.logLevel);
await runDemo(loaded.config, log, fleetWanted);

/** Starts the server, seeds it, starts the fleet (when wanted) and prints how to sign in. */
async function runDemo(config: Config, log: Logger, fleetWanted: boolean): Promise<void> {
  const starting = startServer(config, log);
  let fleet: Promise<DemoFleet | null> = Promise.resolve(null);
  // The fleet stops first (agents, then simulators), then the server.
  stopOnSignals(async () => {
    await (await fleet.catch(() => null))?.stop();
    await (await starting).stop();
  }, log);
  const server = await starting;
  const login = { email: process.env.NIRO_DEMO_EMAIL || DEMO_DEFAULTS.email, password: process.env.NIRO_DEMO_PASSWORD || DEMO_DEFAULTS.password };
  const tree = await seedDemo(server.database.db, server.replica.passwordHashing, login);
  if (fleetWanted) {
    // Agents dial the listening socket directly: NIRO_PUBLIC_URL may name a proxy in front of it.
    fleet = startDemoFleet({
      db: server.database.db,
      config,
      log,
      agentKeys: server.replica.agentKeys,
      niroUrl: server.url,
      tree,
      actor: { userId: tree.userId, email: login.email, ip: null },
    });
  }
  const started = await fleet;
  if (started) log.info('demo fleet started', { clusters: started.clusters });
  const fleetText = started ? `\n  Simulated fleet: ${started.clusters.map((c) => c.name).join(', ')} (agent logs in ${config.dataDir}/demo-fleet/)` : '';
  console.log(`\n  Niro demo is running at ${config.publicUrl}\n  Sign in as ${login.email} / ${login.password}${fleetText}\n`);
}
