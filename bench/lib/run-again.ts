// Some settings a benchmark needs are read once when a process starts (Bun's fetch limit, the database the test
// helpers connect to). `runAgain` starts the same benchmark again with `env` added, passing signals on, and answers
// the child's exit code.
export async function runAgain(env: Record<string, string>): Promise<number> {
  const child = Bun.spawn([process.execPath, ...process.argv.slice(1)], { env: { ...process.env, ...env }, stdio: ['inherit', 'inherit', 'inherit'] });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return child.exited;
}
