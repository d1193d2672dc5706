// `bun run sim fleet --url URL --api-token TOKEN [--clusters 10] [--pods 200] …`: a fleet of simulated
// clusters, each with a real agent, enrolled into a running control plane through its public API (the
// same token flow an operator uses). For benchmarks and load: it runs until Ctrl-C, then stops every
// agent and simulator and deletes the clusters it created (unless --keep).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startFleetMember, type FleetMember } from './fleet.ts';

const USAGE = `usage: bun run sim fleet --url <control plane URL> --api-token <niro_pat_…> [options]

  --clusters N        simulated clusters (default 5)
  --pods M            pods per cluster (default 200)
  --nodes K           nodes per cluster (default 3)
  --org ID            org to create the clusters in (default: the token owner's first org)
  --prefix NAME       cluster name prefix (default "fleet"); names are <prefix>-001, <prefix>-002, …
  --environment ENV   production | staging | dev | unspecified (default dev)
  --no-metrics        clusters without metrics-server
  --tick-ms MS        simulator evolution period (default 5000)
  --agent-bin PATH    run this agent binary (e.g. dist/niro-agent) instead of bun agent/main.ts
  --log-dir DIR       write each agent's JSON log to DIR/<cluster>.log
  --keep              leave the clusters in Niro on exit (default: delete them)`;

type Created = { id: string; name: string };

async function call(url: string, token: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function runFleet(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'api-token': { type: 'string' },
      clusters: { type: 'string', default: '5' },
      pods: { type: 'string', default: '200' },
      nodes: { type: 'string', default: '3' },
      org: { type: 'string' },
      prefix: { type: 'string', default: 'fleet' },
      environment: { type: 'string', default: 'dev' },
      'no-metrics': { type: 'boolean', default: false },
      'tick-ms': { type: 'string', default: '5000' },
      'agent-bin': { type: 'string' },
      'log-dir': { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const fail = (message: string): never => {
    console.error(`sim fleet: ${message}\n\n${USAGE}`);
    process.exit(2);
  };
  const url = (values.url ?? fail('--url is required')).replace(/\/+$/, '');
  const token = values['api-token'] ?? process.env.NIRO_API_TOKEN ?? fail('--api-token (or NIRO_API_TOKEN) is required');
  const count = Number(values.clusters);
  const pods = Number(values.pods);
  const nodes = Number(values.nodes);
  if (!Number.isInteger(count) || count < 1 || count > 500) fail('--clusters must be 1–500');
  if (!Number.isInteger(pods) || pods < 1) fail('--pods must be a positive whole number');
  if (!Number.isInteger(nodes) || nodes < 1) fail('--nodes must be a positive whole number');
  if (!['production', 'staging', 'dev', 'unspecified'].includes(values.environment)) fail('--environment must be production, staging, dev or unspecified');
  if (values['log-dir']) mkdirSync(values['log-dir'], { recursive: true });

  const me = await call(url, token, 'GET', '/v1/me').catch((e: Error) => fail(`cannot reach ${url}: ${e.message}`));
  if (me.status !== 200) fail(`the control plane refused the API token (${me.status}): ${await me.text()}`);

  const created: Created[] = [];
  const members: FleetMember[] = [];
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`\nstopping ${members.length} agents and simulators…`);
    await Promise.all(members.map((m) => m.stop()));
    if (!values.keep) {
      for (const c of created) await call(url, token, 'DELETE', `/v1/clusters/${c.id}`).catch(() => undefined);
      console.log(`deleted ${created.length} clusters from Niro`);
    }
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const agentCommand = values['agent-bin'] ? [resolve(values['agent-bin'])] : undefined;
  for (let i = 1; i <= count && !stopping; i++) {
    const name = `${values.prefix}-${String(i).padStart(3, '0')}`;
    const res = await call(url, token, 'POST', '/v1/clusters', { name, environment: values.environment, ...(values.org ? { orgId: values.org } : {}) });
    if (res.status !== 201) {
      console.error(`cannot create cluster ${name} (${res.status}): ${await res.text()}${res.status === 409 ? ' — pick another --prefix' : ''}`);
      await stop();
    }
    const body = (await res.json()) as { cluster: { id: string }; enrollment: { token: string } };
    created.push({ id: body.cluster.id, name });
    const member = await startFleetMember({
      name,
      nodes,
      pods,
      seed: i,
      metrics: !values['no-metrics'],
      tickMs: Number(values['tick-ms']),
      niroUrl: url,
      agentCommand,
      agentLogFile: values['log-dir'] ? join(values['log-dir'], `${name}.log`) : undefined,
    });
    members.push(member);
    member.startAgent(body.enrollment.token);
  }
  console.log(`Fleet of ${members.length} simulated clusters (${nodes} nodes, ${pods} pods each) reporting to ${url}`);
  for (const [i, m] of members.entries()) console.log(`  ${created[i]!.name}  cluster ${created[i]!.id}  agent pid ${m.agentPid()}  ${m.sim.url}`);
  console.log(`Ctrl-C stops the agents and simulators${values.keep ? '' : ' and deletes the clusters'}.`);
}
