// HTML for clusters: the fleet overview at `/`, its polled fragment, creating a cluster, and the
// cluster detail tabs. Every page embeds the fragment its own poll route renders.
import { SELF_UPDATE_HINT, isUpdateAvailable } from '../rollouts/vocabulary';
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import type { Db } from '../db/client';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { badRequest } from '../http/errors';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { redirect, renderPage, setFlash } from '../http/page';
import { setReveal, takeReveal } from '../http/reveal';
import { createSecretBox } from '../security/encryption';
import { requireOrg, defaultOrg } from '../orgs/access';
import { roleAtLeast } from '../orgs/store';
import { countOpenInScope, countOpenIncidents, listIncidents } from '../incidents/store';
import { FleetLive, FleetPage, type FleetFilters, type FleetLiveProps } from '../../views/clusters/fleet';
import { ClusterCreatedPage, NewClusterPage } from '../../views/clusters/new';
import { ClusterLayout, OverviewTab, TimelineTab, WorkloadsTab, type OverviewProps } from '../../views/clusters/detail';
import { SettingsTab } from '../../views/clusters/settings';
import { orgsForNewClusters, requireCluster } from './access';
import { changeCluster, checkClusterName, createClusterWithToken, regenerateToken, removeCluster, UNINSTALL_COMMAND } from './manage';
import { installCommand } from './enrollment';
import { parseLabelLines } from './labels';
import { countFleetByStatus, listFleet } from './store';
import { listTimeline, readTimelineCursor, timelineCursor } from './timeline';
import { countWorkloads, listNodes } from '../inventory/store';
import { latestNodeUsage } from '../inventory/usage';
import type { Cluster } from './schema';
import { CLUSTER_STATUSES, ENVIRONMENTS, type ClusterStatus, type Environment } from './vocabulary';

const FLEET_PAGE_SIZE = 100;
const NODES_SHOWN = 200;
const TIMELINE_PAGE_SIZE = 50;

const FleetQuery = t.Object({
  q: t.Optional(t.String({ maxLength: 100 })),
  status: t.Optional(t.String({ maxLength: 20 })),
  environment: t.Optional(t.String({ maxLength: 20 })),
  orgId: t.Optional(t.String({ maxLength: 64 })),
  cursor: t.Optional(t.String({ maxLength: 2048 })),
});
type FleetQuery = typeof FleetQuery.static;

/** Filters from the URL; values that aren't one of ours are ignored (a stale bookmark still loads). */
function fleetFilters(caller: Caller, q: FleetQuery): FleetFilters {
  return {
    q: (q.q ?? '').trim(),
    status: (CLUSTER_STATUSES as readonly string[]).includes(q.status ?? '') ? q.status! : '',
    environment: (ENVIRONMENTS as readonly string[]).includes(q.environment ?? '') ? q.environment! : '',
    orgId: caller.scopeOrgIds.includes(q.orgId ?? '') ? q.orgId! : '',
  };
}

function queryString(filters: FleetFilters, cursor?: string): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) p.set(k, v);
  if (cursor) p.set('cursor', cursor);
  const s = p.toString();
  return s ? `?${s}` : '';
}

async function loadFleet(db: Db, caller: Caller, q: FleetQuery, offeredVersion: string): Promise<FleetLiveProps> {
  const filters = fleetFilters(caller, q);
  const after = q.cursor ? decodeCursor(q.cursor, ['text', 'uuid']) : undefined;
  const where = {
    orgIds: caller.scopeOrgIds,
    q: filters.q || undefined,
    status: (filters.status || undefined) as ClusterStatus | undefined,
    environment: (filters.environment || undefined) as Environment | undefined,
    orgId: filters.orgId || undefined,
  };
  const [rows, counts, open] = await Promise.all([
    listFleet(db, where, { limit: FLEET_PAGE_SIZE, after }),
    countFleetByStatus(db, where),
    countOpenInScope(db, caller.scopeOrgIds),
  ]);
  const incidents = await countOpenIncidents(
    db,
    rows.map((r) => r.id),
  );
  const last = rows[rows.length - 1];
  return {
    rows: rows.map((r) => ({
      ...r,
      podListAvailable: (r.protocol ?? 2) >= 2,
      openIncidents: incidents.get(r.id) ?? 0,
      updateAvailable: isUpdateAvailable(r.agentVersion, offeredVersion),
    })),
    counts,
    incidents: open,
    filters,
    liveUrl: `/fleet/live${queryString(filters, q.cursor)}`,
    nextPageUrl: rows.length === FLEET_PAGE_SIZE ? `/${queryString(filters, encodeCursor([last.name, last.id]))}` : null,
    hasFilters: Object.values(filters).some(Boolean),
  };
}

async function loadOverview(db: Db, caller: Caller, cluster: Cluster, canOperate: boolean, offeredVersion: string): Promise<OverviewProps> {
  const [nodes, usage, incidents] = await Promise.all([
    listNodes(db, cluster.id, { limit: NODES_SHOWN + 1 }),
    latestNodeUsage(db, cluster.id),
    listIncidents(db, [cluster.orgId], { state: 'open', clusterId: cluster.id }, { limit: 20 }),
  ]);
  return {
    cluster,
    nodes: nodes.slice(0, NODES_SHOWN).map((n) => {
      const u = usage?.byNode.get(n.name);
      return { ...n, cpuUsageMilli: u?.cpuMilli ?? null, memUsageBytes: u?.memBytes ?? null };
    }),
    moreNodes: nodes.length > NODES_SHOWN,
    usageAt: usage?.at ?? null,
    incidents: incidents.map((i) => ({ id: i.id, title: i.title, severity: i.severity, openedAt: i.openedAt })),
    canOperate,
    csrfToken: caller.session?.csrfToken ?? '',
    agentUpdate: {
      offeredVersion,
      updateAvailable: isUpdateAvailable(cluster.agentVersion, offeredVersion),
      selfUpdate: cluster.capabilities?.selfUpdate?.enabled ?? false,
      hint: SELF_UPDATE_HINT,
    },
  };
}

/** An enrollment token on its way to the page that shows it once. */
type RevealedToken = { token: string; expiresAt: string };

export function clustersPages(deps: AppDeps) {
  const { db, config } = deps;
  const box = createSecretBox(config.secret);
  const secureCookie = config.publicUrl.startsWith('https://');
  const revealOf = (issued: { token: string; expiresAt: Date }): RevealedToken => ({ token: issued.token, expiresAt: issued.expiresAt.toISOString() });
  const enrollmentOf = (r: RevealedToken) => ({ token: r.token, expiresAt: new Date(r.expiresAt), installCommand: installCommand(config.publicUrl, r.token) });
  const csrf = (caller: Caller) => caller.session?.csrfToken ?? '';
  /** The Overview tab, a live one: the page embeds exactly what its poll (`/clusters/:id/live`) answers. */
  const overviewPage = async (caller: Caller, id: string): Promise<{ title: string; element: JSX.Element }> => {
    const { cluster, org } = await requireCluster(db, caller, id);
    const props = await loadOverview(db, caller, cluster, roleAtLeast(org.role, 'member'), config.agentVersion);
    const element = (
      <ClusterLayout cluster={cluster} orgName={org.name} tab="overview" liveUrl={`/clusters/${cluster.id}/live`}>
        <OverviewTab {...props} />
      </ClusterLayout>
    );
    return { title: cluster.name, element };
  };
  return new Elysia({ name: 'clusters-pages' })
    .get(
      '/',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const live = await loadFleet(db, caller, ctx.query, config.agentVersion);
        const orgs = caller.orgs.filter((o) => caller.scopeOrgIds.includes(o.id));
        const body = <FleetPage {...live} orgs={orgs} canCreate={orgsForNewClusters(caller).length > 0} />;
        return renderPage(caller, ctx.cookie, { title: 'Fleet', active: 'fleet', body });
      },
      { query: FleetQuery },
    )
    .get('/fleet/live', async (ctx) => <FleetLive {...(await loadFleet(db, await requireCaller(db, ctx), ctx.query, config.agentVersion))} />, {
      query: FleetQuery,
    })
    .get('/clusters/new', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const orgs = orgsForNewClusters(caller);
      const body = <NewClusterPage csrfToken={csrf(caller)} orgs={orgs} defaultOrgId={defaultOrg(caller)?.id ?? null} />;
      return renderPage(caller, ctx.cookie, { title: 'Add a cluster', active: 'fleet', body });
    })
    .post(
      '/clusters',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.body.orgId, 'member');
        const environment = (ENVIRONMENTS as readonly string[]).includes(ctx.body.environment) ? (ctx.body.environment as Environment) : null;
        if (!environment) throw badRequest('environment: must be production, staging, dev or unspecified');
        const name = checkClusterName(ctx.body.name);
        const again = (error: string) => {
          ctx.set.status = 422;
          const body = (
            <NewClusterPage
              csrfToken={csrf(caller)}
              orgs={orgsForNewClusters(caller)}
              defaultOrgId={org.id}
              values={{ name: ctx.body.name, environment, orgId: org.id }}
              error={error}
            />
          );
          return renderPage(caller, ctx.cookie, { title: 'Add a cluster', active: 'fleet', body });
        };
        if (!name.ok) return again(name.message.replace(/^name: /, 'Name: '));
        const res = await createClusterWithToken(db, actorOf(caller, ctx, config.trustProxy), org, { name: name.name, environment });
        if (!res.ok) return again(`A cluster named "${name.name}" already exists in ${org.name}.`);
        // Post/redirect/get: a reload shows the created cluster, it does not try to create it again. The token
        // reaches that page sealed, once (reveal.ts).
        const path = `/clusters/${res.cluster.id}/created`;
        setReveal(ctx.cookie, box, caller, path, revealOf(res.issued), secureCookie);
        return redirect(path);
      },
      {
        body: t.Object({
          name: t.String({ maxLength: 200 }),
          environment: t.String({ maxLength: 20 }),
          orgId: t.String({ maxLength: 64 }),
          _csrf: t.Optional(t.String()),
        }),
      },
    )
    .get('/clusters/:id/created', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const { cluster } = await requireCluster(db, caller, ctx.params.id);
      const revealed = takeReveal<RevealedToken>(ctx.cookie, box, caller, `/clusters/${cluster.id}/created`);
      // Shown once: later (a reload, a bookmark) the cluster's page offers a new token while it waits for its agent.
      if (!revealed) return redirect(`/clusters/${cluster.id}`);
      const body = <ClusterCreatedPage clusterId={cluster.id} clusterName={cluster.name} enrollment={enrollmentOf(revealed)} />;
      return renderPage(caller, ctx.cookie, { title: `Cluster ${cluster.name}`, active: 'fleet', body });
    })
    .get('/clusters/:id', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const body = await overviewPage(caller, ctx.params.id);
      return renderPage(caller, ctx.cookie, { title: body.title, active: 'fleet', body: body.element });
    })
    .get('/clusters/:id/live', async (ctx) => (await overviewPage(await requireCaller(db, ctx), ctx.params.id)).element)
    .get('/clusters/:id/workloads', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const { cluster, org } = await requireCluster(db, caller, ctx.params.id);
      const body = (
        <ClusterLayout cluster={cluster} orgName={org.name} tab="workloads">
          <WorkloadsTab cluster={cluster} counts={await countWorkloads(db, cluster.id)} />
        </ClusterLayout>
      );
      return renderPage(caller, ctx.cookie, { title: `${cluster.name} · Workloads`, active: 'fleet', body });
    })
    .get(
      '/clusters/:id/timeline',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster, org } = await requireCluster(db, caller, ctx.params.id);
        const entries = await listTimeline(db, cluster.id, { limit: TIMELINE_PAGE_SIZE, before: readTimelineCursor(ctx.query.cursor) });
        const next = timelineCursor(entries, TIMELINE_PAGE_SIZE);
        const olderUrl = next ? `/clusters/${cluster.id}/timeline?cursor=${encodeURIComponent(next)}` : null;
        const body = (
          <ClusterLayout cluster={cluster} orgName={org.name} tab="timeline">
            <TimelineTab entries={entries} olderUrl={olderUrl} />
          </ClusterLayout>
        );
        return renderPage(caller, ctx.cookie, { title: `${cluster.name} · Timeline`, active: 'fleet', body });
      },
      { query: t.Object({ cursor: t.Optional(t.String({ maxLength: 2048 })) }) },
    )
    .get('/clusters/:id/settings', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const { cluster, org } = await requireCluster(db, caller, ctx.params.id);
      const revealed = takeReveal<RevealedToken>(ctx.cookie, box, caller, `/clusters/${cluster.id}/settings`);
      const body = (
        <ClusterLayout cluster={cluster} orgName={org.name} tab="settings">
          <SettingsTab
            cluster={cluster}
            csrfToken={csrf(caller)}
            canOperate={roleAtLeast(org.role, 'member')}
            canDelete={roleAtLeast(org.role, 'admin')}
            enrollment={revealed ? enrollmentOf(revealed) : null}
          />
        </ClusterLayout>
      );
      return renderPage(caller, ctx.cookie, { title: `${cluster.name} · Settings`, active: 'fleet', body });
    })
    .post(
      '/clusters/:id/settings',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster, org } = await requireCluster(db, caller, ctx.params.id, 'member');
        const environment = (ENVIRONMENTS as readonly string[]).includes(ctx.body.environment) ? (ctx.body.environment as Environment) : null;
        if (!environment) throw badRequest('environment: must be production, staging, dev or unspecified');
        const name = checkClusterName(ctx.body.name, cluster.name);
        const res = name.ok ? await changeCluster(db, actorOf(caller, ctx, config.trustProxy), cluster, { name: name.name, environment }) : null;
        if (!res?.ok) {
          ctx.set.status = 422;
          const error = !name.ok ? name.message.replace(/^name: /, 'Name: ') : `A cluster named "${ctx.body.name.trim()}" already exists in ${org.name}.`;
          const body = (
            <ClusterLayout cluster={cluster} orgName={org.name} tab="settings">
              <SettingsTab cluster={cluster} csrfToken={csrf(caller)} canOperate canDelete={roleAtLeast(org.role, 'admin')} error={error} />
            </ClusterLayout>
          );
          return renderPage(caller, ctx.cookie, { title: `${cluster.name} · Settings`, active: 'fleet', body });
        }
        setFlash(ctx.cookie, { kind: 'ok', text: 'Cluster settings saved.' });
        return redirect(`/clusters/${cluster.id}/settings`);
      },
      { body: t.Object({ name: t.String({ maxLength: 200 }), environment: t.String({ maxLength: 20 }), _csrf: t.Optional(t.String()) }) },
    )
    .post(
      '/clusters/:id/labels',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster, org } = await requireCluster(db, caller, ctx.params.id, 'member');
        const parsed = parseLabelLines(ctx.body.labels);
        if (!parsed.ok) {
          ctx.set.status = 422;
          const body = (
            <ClusterLayout cluster={cluster} orgName={org.name} tab="settings">
              <SettingsTab
                cluster={cluster}
                csrfToken={csrf(caller)}
                canOperate
                canDelete={roleAtLeast(org.role, 'admin')}
                labelsError={{ message: `${parsed.field}: ${parsed.message}`, text: ctx.body.labels }}
              />
            </ClusterLayout>
          );
          return renderPage(caller, ctx.cookie, { title: `${cluster.name} · Settings`, active: 'fleet', body });
        }
        await changeCluster(db, actorOf(caller, ctx, config.trustProxy), cluster, { labels: parsed.labels });
        setFlash(ctx.cookie, { kind: 'ok', text: 'Cluster labels saved.' });
        return redirect(`/clusters/${cluster.id}/settings`);
      },
      { body: t.Object({ labels: t.String({ maxLength: 20_000 }), _csrf: t.Optional(t.String()) }) },
    )
    .post(
      '/clusters/:id/token',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster } = await requireCluster(db, caller, ctx.params.id, 'member');
        const res = await regenerateToken(db, actorOf(caller, ctx, config.trustProxy), cluster);
        if (!res.ok) {
          setFlash(ctx.cookie, { kind: 'error', text: 'The cluster is already enrolled: its agent uses its key, not a token.' });
          return redirect(`/clusters/${cluster.id}/settings`);
        }
        // Post/redirect/get, as for a new cluster: the token reaches the settings page sealed, once.
        setReveal(ctx.cookie, box, caller, `/clusters/${cluster.id}/settings`, revealOf(res.issued), secureCookie);
        setFlash(ctx.cookie, { kind: 'ok', text: 'New enrollment token created; the previous one no longer works.' });
        return redirect(`/clusters/${cluster.id}/settings`);
      },
      { body: t.Object({ _csrf: t.Optional(t.String()) }) },
    )
    .post(
      '/clusters/:id/delete',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster } = await requireCluster(db, caller, ctx.params.id, 'admin');
        if (ctx.body.confirm.trim() !== cluster.name) {
          setFlash(ctx.cookie, { kind: 'error', text: 'The name you typed does not match; the cluster was not deleted.' });
          return redirect(`/clusters/${cluster.id}/settings`);
        }
        await removeCluster(db, actorOf(caller, ctx, config.trustProxy), cluster, deps.agentKeys);
        setFlash(ctx.cookie, { kind: 'ok', text: `Cluster "${cluster.name}" deleted. Uninstall its agent with: ${UNINSTALL_COMMAND}` });
        return redirect('/');
      },
      { body: t.Object({ confirm: t.String({ maxLength: 200 }), _csrf: t.Optional(t.String()) }) },
    );
}
