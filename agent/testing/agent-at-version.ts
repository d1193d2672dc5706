// The real agent reporting another version (NIRO_TEST_AGENT_VERSION): how a test plays "the new image's
// agent" after a self-update replaced the pod, without building a second binary.
import { runAgent } from '../run.ts';

const version = process.env.NIRO_TEST_AGENT_VERSION;
if (!version) throw new Error('NIRO_TEST_AGENT_VERSION is required');
process.exit(await runAgent(process.argv.slice(2), process.env, version));
