// The wire contract between the control plane and the agent: TypeBox schemas, static types, constants.
// A leaf module: imports only @sinclair/typebox, so the agent can import it and nothing else from src/.
export * from './protocol.ts';
export * from './enroll.ts';
export * from './heartbeat.ts';
export * from './commands.ts';
export * from './stream.ts';
