// JSON API for clusters (curl users): /v1/clusters… Scoped to the caller's orgs, paginated by cursor.
import { OneOf } from '../http/responses';
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller } from '../http/caller';
import { HttpError, badRequest } from '../http/errors';
import { PageCursor, PageLimit, decodeCursor, encodeCursor } from '../http/cursor';
import { requireOrg, defaultOrg } from '../orgs/access';
import { requireCluster } from './access';
import { changeCluster, checkClusterName, createClusterWithToken, regenerateToken, removeCluster, UNINSTALL_COMMAND } from './manage';
import { installCommand } from './enrollment';
import { listFleet } from './store';
import { LABEL_RULE, MAX_CLUSTER_LABELS, checkLabels } from './labels';
import { listTimeline, readTimelineCursor, timelineCursor } from './timeline';
import { listNodes, type ClusterNode } from '../inventory/store';
import { latestNodeUsage } from '../inventory/usage';
import type { Cluster, TimelineEntry } from './schema';
import { isUpdateAvailable } from '../rollouts/vocabulary';
import { CLUSTER_NAME_RULE, CLUSTER_STATUSES, ENVIRONMENTS, TIMELINE_KINDS } from './vocabulary';
import type { IssuedToken } from './enrollment';
import { ClusterCreated, ClusterDeleted, ClusterJson, ClusterPage, EnrollmentJson, NodeJson, NodePage, TimelineEntryJson, TimelinePage } from './responses';

const EnvironmentT = OneOf(ENVIRONMENTS);
const StatusT = OneOf(CLUSTER_STATUSES);

/** `offeredVersion`: the agent version this server offers (config.agentVersion). */
export function clusterJson(c: Cluster & { orgName?: string }, offeredVersion: string): ClusterJson {
  return {
    id: c.id,
    name: c.name,
    environment: c.environment,
    labels: c.labels,
    orgId: c.orgId,
    orgName: c.orgName ?? null,
    status: c.status,
    statusSince: c.statusSince.toISOString(),
    createdAt: c.createdAt.toISOString(),
    enrolledAt: c.enrolledAt?.toISOString() ?? null,
    lastHeartbeatAt: c.lastHeartbeatAt?.toISOString() ?? null,
    agent: {
      version: c.agentVersion,
      protocol: c.protocol,
      offeredVersion,
      updateAvailable: isUpdateAvailable(c.agentVersion, offeredVersion),
      selfUpdate: c.capabilities?.selfUpdate?.enabled ?? false,
    },
    kubernetes: { version: c.k8sVersion, distribution: c.distribution, platform: c.platform },
    capabilities: c.capabilities,
    nodes: { total: c.nodeCount, ready: c.nodesReady },
    pods: {
      total: c.podsTotal,
      running: c.podsRunning,
      failed: c.podsFailed,
      namespaces: c.namespaces,
      listed: c.podsListed,
      truncated: c.podsTruncated,
      listAvailable: (c.protocol ?? 0) >= 2,
    },
    cpu: { capacityMilli: c.cpuCapacityMilli, allocatableMilli: c.cpuAllocatableMilli, usageMilli: c.cpuUsageMilli },
    memory: { capacityBytes: c.memCapacityBytes, allocatableBytes: c.memAllocatableBytes, usageBytes: c.memUsageBytes },
  };
}

function enrollmentJson(publicUrl: string, issued: IssuedToken): EnrollmentJson {
  return { token: issued.token, expiresAt: issued.expiresAt.toISOString(), installCommand: installCommand(publicUrl, issued.token) };
}

function nodeJson(n: ClusterNode, usage: { cpuMilli: number | null; memBytes: number | null } | undefined): NodeJson {
  return {
    name: n.name,
    status: n.status,
    roles: n.roles,
    kubeletVersion: n.kubeletVersion,
    cpu: { capacityMilli: n.cpuCapacityMilli, allocatableMilli: n.cpuAllocatableMilli, usageMilli: usage?.cpuMilli ?? null },
    memory: { capacityBytes: n.memCapacityBytes, allocatableBytes: n.memAllocatableBytes, usageBytes: usage?.memBytes ?? null },
    podCount: n.podCount,
    unschedulable: n.unschedulable,
    pressures: n.pressures,
    internalIP: n.internalIp,
    osImage: n.osImage,
    architecture: n.architecture,
    containerRuntime: n.containerRuntime,
    createdAt: n.k8sCreatedAt?.toISOString() ?? null,
    updatedAt: n.updatedAt.toISOString(),
  };
}

function timelineJson(e: TimelineEntry): TimelineEntryJson {
  return { id: String(e.id), at: e.at.toISOString(), kind: e.kind, message: e.message, details: e.details };
}

export function clustersApi(deps: AppDeps) {
  const { db, config } = deps;
  return new Elysia({ name: 'clusters-api', prefix: '/v1' })
    .get(
      '/clusters',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const limit = ctx.query.limit ?? 50;
        const after = ctx.query.cursor ? decodeCursor(ctx.query.cursor, ['text', 'uuid']) : undefined;
        if (ctx.query.orgId) requireOrg(caller, ctx.query.orgId);
        const rows = await listFleet(
          db,
          { orgIds: caller.scopeOrgIds, status: ctx.query.status, environment: ctx.query.environment, orgId: ctx.query.orgId, q: ctx.query.q },
          { limit, after },
        );
        const last = rows[rows.length - 1];
        return {
          clusters: rows.map((r) => clusterJson(r, config.agentVersion)),
          nextCursor: rows.length === limit ? encodeCursor([last.name, last.id]) : null,
        };
      },
      {
        query: t.Object({
          status: t.Optional(StatusT),
          environment: t.Optional(EnvironmentT),
          orgId: t.Optional(t.String({ maxLength: 64 })),
          q: t.Optional(t.String({ maxLength: 100, description: 'Case-insensitive part of the name' })),
          limit: PageLimit(200),
          cursor: PageCursor,
        }),
        response: { 200: ClusterPage },
        detail: { tags: ['clusters'], summary: 'Clusters of the caller’s orgs (and their descendants), by name' },
      },
    )
    .post(
      '/clusters',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = ctx.body.orgId ? requireOrg(caller, ctx.body.orgId, 'member') : defaultOrg(caller);
        if (!org) throw badRequest('orgId: you are not a member of any organization');
        requireOrg(caller, org.id, 'member');
        const name = checkClusterName(ctx.body.name);
        if (!name.ok) throw badRequest(name.message);
        const res = await createClusterWithToken(db, actorOf(caller, ctx, config.trustProxy), org, {
          name: name.name,
          environment: ctx.body.environment ?? 'unspecified',
        });
        if (!res.ok) throw new HttpError(409, 'name_taken', `name: a cluster named "${name.name}" already exists in ${org.name}`);
        ctx.set.status = 201;
        return { cluster: clusterJson({ ...res.cluster, orgName: org.name }, config.agentVersion), enrollment: enrollmentJson(config.publicUrl, res.issued) };
      },
      {
        body: t.Object(
          {
            name: t.String({ minLength: 1, maxLength: 100, description: `A DNS label: ${CLUSTER_NAME_RULE}` }),
            environment: t.Optional(EnvironmentT),
            orgId: t.Optional(t.String({ maxLength: 64, description: 'Defaults to the caller’s current (or first) org' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: ClusterCreated },
        detail: { tags: ['clusters'], summary: 'Create a cluster; the response holds its one-hour enrollment token and install command, once' },
      },
    )
    .get(
      '/clusters/:id',
      async (ctx) => {
        const { cluster, org } = await requireCluster(db, await requireCaller(db, ctx), ctx.params.id);
        return clusterJson({ ...cluster, orgName: org.name }, config.agentVersion);
      },
      { response: { 200: ClusterJson }, detail: { tags: ['clusters'], summary: 'One cluster' } },
    )
    .patch(
      '/clusters/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster, org } = await requireCluster(db, caller, ctx.params.id, 'member');
        let name: string | undefined;
        if (ctx.body.name !== undefined) {
          const checked = checkClusterName(ctx.body.name, cluster.name);
          if (!checked.ok) throw badRequest(checked.message);
          name = checked.name;
        }
        let labels: Record<string, string> | undefined;
        if (ctx.body.labels !== undefined) {
          const checked = checkLabels(ctx.body.labels);
          if (!checked.ok) throw badRequest(`${checked.field}: ${checked.message}`);
          labels = checked.labels;
        }
        const res = await changeCluster(db, actorOf(caller, ctx, config.trustProxy), cluster, { name, environment: ctx.body.environment, labels });
        if (!res.ok) throw new HttpError(409, 'name_taken', `name: a cluster named "${name}" already exists in ${org.name}`);
        return clusterJson({ ...res.cluster, orgName: org.name }, config.agentVersion);
      },
      {
        body: t.Object(
          {
            name: t.Optional(t.String({ minLength: 1, maxLength: 100, description: `A DNS label: ${CLUSTER_NAME_RULE}` })),
            environment: t.Optional(EnvironmentT),
            labels: t.Optional(
              t.Record(t.String({ maxLength: 400 }), t.String({ maxLength: 100 }), {
                maxProperties: MAX_CLUSTER_LABELS,
                description: `Replaces every label (deployments target clusters by them); ${LABEL_RULE}; at most ${MAX_CLUSTER_LABELS}`,
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: ClusterJson },
        detail: { tags: ['clusters'], summary: 'Rename a cluster, change its environment or replace its labels (member); audited' },
      },
    )
    .delete(
      '/clusters/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster } = await requireCluster(db, caller, ctx.params.id, 'admin');
        await removeCluster(db, actorOf(caller, ctx, config.trustProxy), cluster, deps.agentKeys);
        return { deleted: true, id: cluster.id, uninstall: UNINSTALL_COMMAND };
      },
      {
        response: { 200: ClusterDeleted },
        detail: { tags: ['clusters'], summary: 'Delete a cluster (admin); its agent key stops working — uninstall the agent with the returned command' },
      },
    )
    .post(
      '/clusters/:id/enrollment-token',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster } = await requireCluster(db, caller, ctx.params.id, 'member');
        const res = await regenerateToken(db, actorOf(caller, ctx, config.trustProxy), cluster);
        if (!res.ok) throw new HttpError(409, 'already_enrolled', 'the cluster is already enrolled; its agent uses its key, not a token');
        ctx.set.status = 201;
        return enrollmentJson(config.publicUrl, res.issued);
      },
      {
        response: { 201: EnrollmentJson },
        detail: { tags: ['clusters'], summary: 'A new enrollment token for a cluster that has not enrolled yet (earlier tokens stop working)' },
      },
    )
    .get(
      '/clusters/:id/nodes',
      async (ctx) => {
        const { cluster } = await requireCluster(db, await requireCaller(db, ctx), ctx.params.id);
        const limit = ctx.query.limit ?? 100;
        const after = ctx.query.cursor ? decodeCursor(ctx.query.cursor, ['text'])[0] : undefined;
        const [nodes, usage] = await Promise.all([listNodes(db, cluster.id, { limit, after }), latestNodeUsage(db, cluster.id)]);
        return {
          nodes: nodes.map((n) => nodeJson(n, usage?.byNode.get(n.name))),
          usageAt: usage?.at.toISOString() ?? null,
          nextCursor: nodes.length === limit ? encodeCursor([nodes[nodes.length - 1].name]) : null,
        };
      },
      {
        query: t.Object({ limit: PageLimit(500), cursor: PageCursor }),
        response: { 200: NodePage },
        detail: { tags: ['clusters'], summary: 'Nodes of the latest heartbeat, with usage from the latest sample' },
      },
    )
    .get(
      '/clusters/:id/timeline',
      async (ctx) => {
        const { cluster } = await requireCluster(db, await requireCaller(db, ctx), ctx.params.id);
        const limit = ctx.query.limit ?? 50;
        const entries = await listTimeline(db, cluster.id, { limit, before: readTimelineCursor(ctx.query.cursor), kind: ctx.query.kind });
        return { entries: entries.map(timelineJson), nextCursor: timelineCursor(entries, limit) };
      },
      {
        query: t.Object({ limit: PageLimit(200), cursor: PageCursor, kind: t.Optional(OneOf(TIMELINE_KINDS)) }),
        response: { 200: TimelinePage },
        detail: {
          tags: ['clusters'],
          summary: 'Cluster activity, newest first (by time, then id): enrollment, status and capability changes, Warning events, restarts, incidents',
        },
      },
    );
}
