// The agent's side of the command channel: the long-poll that delivers commands and the result post.
// Authenticated by the agent key only (requireAgent); a cluster sees and answers only its own commands.
import { Elysia } from 'elysia';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { AppDeps } from '../deps';
import { AGENT_PATHS, COMMANDS_LONG_POLL_SECONDS, CommandResult, CommandsResponse, LIMITS, type CommandEnvelope } from '../contract';
import { HttpError } from '../http/errors';
import { NoContent, routeCopy } from '../http/responses';
import { parseStorableJson, readBody } from '../http/body';
import { requireAgent } from './auth';
import { claimCommands, recordResult } from '../commands/store';
import type { CommandRow } from '../commands/schema';
import { recordDeploymentResult } from '../deployments/results';

const checkResult = TypeCompiler.Compile(CommandResult);

/** A result holds at most 1000 object outcomes of ~1.5 KB each. */
const MAX_RESULT_BYTES = 4 * 1024 * 1024;
/** Held polls per cluster and replica: two agent replicas and a reconnect overlap fit; a runaway loop does not. */
export const MAX_HELD_POLLS_PER_CLUSTER = 4;

function envelope(row: CommandRow): CommandEnvelope {
  return { id: row.id, type: row.type, createdAt: row.createdAt.toISOString(), payload: row.payload };
}

export function commandsAgentApi(deps: AppDeps) {
  const { db, config, log, commandSignals: signals } = deps;
  return new Elysia({ name: 'commands-agent-api' })
    .get(
      AGENT_PATHS.commands,
      async ({ request, server }) => {
        const agent = await requireAgent(db, deps.agentKeys, request);
        if (signals.heldPolls(agent.id) >= MAX_HELD_POLLS_PER_CLUSTER) {
          throw new HttpError(429, 'too_many_polls', `this cluster already holds ${MAX_HELD_POLLS_PER_CLUSTER} command polls on this server; retry in 5 s`, {
            'retry-after': '5',
          });
        }
        const holdMs = config.commandsPollSeconds * 1000;
        // Bun's idle timeout must not cut a held poll short.
        server?.timeout(request, config.commandsPollSeconds + 15);
        const deadline = Date.now() + holdMs;
        // Registered before the first claim, so a command queued in between wakes this poll.
        const watch = await signals.watchQueued(agent.id);
        try {
          for (;;) {
            const claimed = await claimCommands(db, agent.id, new Date(), LIMITS.commandsPerPoll);
            if (claimed.length > 0) {
              log.info('commands delivered', { clusterId: agent.id, commands: claimed.map((c) => `${c.type}:${c.id}`) });
              const out: CommandsResponse = { commands: claimed.map(envelope) };
              return out;
            }
            // Woken by a notification: claim again (another poll may have won it, then wait on).
            const woken = await watch.next(deadline - Date.now(), request.signal);
            if (!woken) {
              const out: CommandsResponse = { commands: [] };
              return out;
            }
          }
        } finally {
          watch.close();
        }
      },
      {
        response: { 200: routeCopy(CommandsResponse) },
        detail: {
          tags: ['agent'],
          summary: `Long-poll for the cluster’s commands (called by the agent; held up to ${COMMANDS_LONG_POLL_SECONDS} s, answers at once when one is queued; X-Niro-Agent-Key)`,
        },
      },
    )
    .post(
      AGENT_PATHS.commandResult,
      async ({ request, params }) => {
        const agent = await requireAgent(db, deps.agentKeys, request);
        const body = await readBody(request, MAX_RESULT_BYTES, deps.inflating);
        if (!body.ok) throw new HttpError(body.status, body.code, body.message, body.headers);
        const parsed = parseStorableJson(body.text);
        if (!parsed.ok) throw new HttpError(400, 'invalid_request', parsed.message);
        const value = parsed.value;
        if (!checkResult.Check(value)) {
          const first = checkResult.Errors(value).First();
          throw new HttpError(
            400,
            'invalid_request',
            `${(first?.path ?? '').replace(/^\//, '').replace(/\//g, '.') || 'body'}: ${first?.message ?? 'invalid'}`,
          );
        }
        if (value.commandId !== params.id) throw new HttpError(400, 'invalid_request', 'commandId: must equal the command id in the path');
        // One transaction: the result and what it means for a deployment's cluster status land together.
        const res = await db.transaction(async (tx) => {
          const now = new Date();
          const recorded = await recordResult(tx, agent.id, params.id, value, now);
          if (recorded.ok) await recordDeploymentResult(tx, recorded.command, now);
          return recorded;
        });
        if (!res.ok) {
          if (res.reason === 'not_found') throw new HttpError(404, 'not_found', 'command not found for this cluster');
          if (res.reason === 'not_delivered') throw new HttpError(409, 'not_delivered', 'this command has not been delivered to the agent');
          throw new HttpError(409, 'already_reported', 'a result for this command was already recorded');
        }
        log.info('command result', { clusterId: agent.id, commandId: res.command.id, type: res.command.type, ok: value.ok, durationMs: value.durationMs });
        await signals.publishDone(res.command.id);
        return new Response(null, { status: 204 });
      },
      {
        parse: 'none',
        detail: {
          tags: ['agent'],
          summary: 'Report a command’s result, once (called by the agent; X-Niro-Agent-Key)',
          requestBody: { content: { 'application/json': { schema: CommandResult as never } } },
          responses: { 204: NoContent('Recorded') },
        },
      },
    );
}
