// Shared by deployment tests: an agent with the apply capability, a small app's manifests, and the agent's side of
// the command channel (take the queued commands, answer each) played over the real agent routes.
import { expect } from 'bun:test';
import { AGENT_KEY_HEADER, AGENT_PATHS, type Capabilities, type CommandEnvelope, type CommandResult } from '../contract';
import { TEST_ORIGIN, type TestApp } from './app';
import { ALL_CAPABILITIES_OFF } from './heartbeats';

export const APPLY_ON: Capabilities = { ...ALL_CAPABILITIES_OFF, apply: { enabled: true, detectedBy: 'SelfSubjectAccessReview patch deployments.apps' } };

/** Deployment `web` (2 replicas, app=web) in `shop`. */
export const WEB_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0.0
`;

/** Takes the cluster's queued commands and answers each: ok, or failed with `error` as the agent's message. */
export async function answerCommands(t: TestApp, agentKey: string, error?: string): Promise<CommandEnvelope[]> {
  const res = await t.app.handle(new Request(TEST_ORIGIN + AGENT_PATHS.commands, { headers: { [AGENT_KEY_HEADER]: agentKey } }));
  expect(res.status).toBe(200);
  const { commands } = (await res.json()) as { commands: CommandEnvelope[] };
  for (const c of commands) {
    const body: CommandResult = { commandId: c.id, ok: !error, message: error ?? 'applied', durationMs: 2 };
    const posted = await t.request(AGENT_PATHS.commandResult.replace(':id', c.id), {
      method: 'POST',
      headers: { [AGENT_KEY_HEADER]: agentKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(posted.status).toBeLessThan(300);
  }
  return commands;
}
