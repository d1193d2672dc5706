// HTML for the command channel: the cluster's Commands tab (Ping button, last latency, history) and
// the fragments htmx swaps — the ping answer and the polled history.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import type { Db } from '../db/client';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { isHtmx, redirect, renderPage, setFlash } from '../http/page';
import { roleAtLeast } from '../orgs/store';
import { requireCluster } from '../clusters/access';
import type { Cluster } from '../clusters/schema';
import { CLUSTER_CHANGED_EVENT, ClusterLayout } from '../../views/clusters/detail';
import { CommandsTab, PingResult, type CommandView, type PingView } from '../../views/commands/commands';
import { latencyOf, pingCluster } from './service';
import { effectiveStatus, findLastPing, listCommands, type CommandListRow } from './store';
import type { CommandRow } from './schema';
import { PING_WAIT_SECONDS, timeoutMessage } from './api';

const HISTORY_PAGE_SIZE = 30;

function view(row: CommandListRow, now: Date): CommandView {
  return {
    id: row.id,
    type: row.type,
    status: effectiveStatus(row, now),
    summary: row.summary,
    createdAt: row.createdAt,
    createdBy: row.createdByEmail,
    latencyMs: latencyOf(row),
    message: row.result?.message ?? null,
  };
}

function pingView(row: CommandRow | null): PingView {
  const latency = row ? latencyOf(row) : null;
  return row && latency !== null ? { latencyMs: latency, at: row.completedAt! } : null;
}

async function loadHistory(db: Db, cluster: Cluster, cursor: string | undefined) {
  let before: { createdAt: Date; id: string } | undefined;
  if (cursor) {
    const [createdAt, id] = decodeCursor(cursor, ['time', 'uuid']);
    before = { createdAt, id };
  }
  const rows = await listCommands(db, cluster.id, { limit: HISTORY_PAGE_SIZE, before });
  const now = new Date();
  const last = rows[rows.length - 1];
  const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
  return {
    commands: rows.map((r) => view(r, now)),
    liveUrl: `/clusters/${cluster.id}/commands/live${query}`,
    olderUrl: rows.length === HISTORY_PAGE_SIZE ? `/clusters/${cluster.id}/commands?cursor=${encodeCursor([last.createdAt.toISOString(), last.id])}` : null,
  };
}

const csrf = (caller: Caller): string => caller.session?.csrfToken ?? '';
const CursorQuery = t.Object({ cursor: t.Optional(t.String({ maxLength: 2048 })) });

export function commandsPages(deps: AppDeps) {
  const { db, config, commandSignals: signals } = deps;
  /** The Commands tab, a live one: the page embeds exactly what its poll (`/clusters/:id/commands/live`) answers. */
  const commandsTab = async (caller: Caller, id: string, cursor: string | undefined): Promise<{ title: string; element: JSX.Element }> => {
    const { cluster, org } = await requireCluster(db, caller, id);
    const [history, last] = await Promise.all([loadHistory(db, cluster, cursor), findLastPing(db, cluster.id)]);
    const element = (
      <ClusterLayout cluster={cluster} orgName={org.name} tab="commands" liveUrl={history.liveUrl}>
        <CommandsTab clusterId={cluster.id} canOperate={roleAtLeast(org.role, 'member')} csrfToken={csrf(caller)} last={pingView(last)} {...history} />
      </ClusterLayout>
    );
    return { title: `${cluster.name} · Commands`, element };
  };
  return new Elysia({ name: 'commands-pages' })
    .get(
      '/clusters/:id/commands',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const tab = await commandsTab(caller, ctx.params.id, ctx.query.cursor);
        return renderPage(caller, ctx.cookie, { title: tab.title, active: 'fleet', body: tab.element });
      },
      { query: CursorQuery },
    )
    .get('/clusters/:id/commands/live', async (ctx) => (await commandsTab(await requireCaller(db, ctx), ctx.params.id, ctx.query.cursor)).element, {
      query: CursorQuery,
    })
    .post(
      '/clusters/:id/ping',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster } = await requireCluster(db, caller, ctx.params.id, 'member');
        const res = await pingCluster(db, signals, actorOf(caller, ctx, config.trustProxy), cluster, PING_WAIT_SECONDS, ctx.request.signal);
        const timeout = res.ok ? null : timeoutMessage(cluster, PING_WAIT_SECONDS, new Date());
        if (!isHtmx(ctx.request)) {
          setFlash(ctx.cookie, res.ok ? { kind: 'ok', text: `Pong from ${cluster.name} in ${res.latencyMs} ms.` } : { kind: 'error', text: timeout! });
          return redirect(`/clusters/${cluster.id}/commands`);
        }
        // The ping is in the history now (answered or not): the live tab refreshes at once, not at its next tick.
        ctx.set.headers['hx-trigger'] = CLUSTER_CHANGED_EVENT;
        return <PingResult last={res.ok ? pingView(res.command) : await findLastPing(db, cluster.id).then(pingView)} timeout={timeout} fresh={res.ok} />;
      },
      { body: t.Object({ _csrf: t.Optional(t.String()) }) },
    );
}
