// The control plane: config → database → migrations → app → listen. Nothing else lives here.
// A server without an owner prints its one-time setup URL. `niro admin …` manages accounts from the command line
// (src/accounts/cli.ts); `niro --version` prints the version.
import { VERSION, loadConfig } from './config';
import { createLogger } from './log';
import { startServer, stopOnSignals } from './server';
import { offerSetup } from './accounts/setup';
import { runAdminCli } from './accounts/cli';

async function serve(): Promise<void> {
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
}

const args = process.argv.slice(2);
if (args[0] === '--version' || args[0] === '-v') {
  console.log(`niro ${VERSION}`);
} else if (args[0] === 'admin') {
  // The exit code is set, not forced: the process ends once the output is written and the database closed.
  process.exitCode = await runAdminCli(args.slice(1), {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    readStdin: () => Bun.stdin.text(),
  });
} else {
  await serve();
}
