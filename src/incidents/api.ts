// JSON API for incidents (curl users): /v1/incidents, scoped to the caller's orgs, newest first.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { findCluster } from '../clusters/store';
import { requireCaller } from '../http/caller';
import { PageCursor, PageLimit, decodeCursor, encodeCursor } from '../http/cursor';
import { notFound } from '../http/errors';
import { listIncidents, type IncidentListRow } from './store';
import { IncidentJson, IncidentPage } from './responses';

function incidentJson(i: IncidentListRow): IncidentJson {
  return {
    id: i.id,
    orgId: i.orgId,
    cluster: { id: i.clusterId, name: i.clusterName, environment: i.environment },
    kind: i.kind,
    severity: i.severity,
    subject: i.subject,
    title: i.title,
    details: i.details,
    openedAt: i.openedAt.toISOString(),
    lastSeenAt: i.lastSeenAt.toISOString(),
    resolvedAt: i.resolvedAt?.toISOString() ?? null,
  };
}

export function incidentsApi(deps: AppDeps) {
  const { db } = deps;
  return new Elysia({ name: 'incidents-api', prefix: '/v1' }).get(
    '/incidents',
    async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const cluster = ctx.query.cluster ? await findCluster(db, ctx.query.cluster, caller.scopeOrgIds) : null;
      if (ctx.query.cluster && !cluster) throw notFound('cluster');
      const limit = ctx.query.limit ?? 50;
      let before: { openedAt: Date; id: string } | undefined;
      if (ctx.query.cursor) {
        const [openedAt, id] = decodeCursor(ctx.query.cursor, ['time', 'uuid']);
        before = { openedAt, id };
      }
      const rows = await listIncidents(db, caller.scopeOrgIds, { state: ctx.query.state ?? 'open', limit, clusterId: cluster?.id, before });
      const last = rows[rows.length - 1];
      return { incidents: rows.map(incidentJson), nextCursor: rows.length === limit ? encodeCursor([last.openedAt.toISOString(), last.id]) : null };
    },
    {
      query: t.Object({
        state: t.Optional(t.Union([t.Literal('open'), t.Literal('resolved')], { description: 'open (default) or resolved' })),
        cluster: t.Optional(t.String({ maxLength: 64, description: 'Only this cluster’s incidents' })),
        limit: PageLimit(200),
        cursor: PageCursor,
      }),
      response: { 200: IncidentPage },
      detail: { tags: ['incidents'], summary: 'Incidents of the clusters in the caller’s orgs (and their descendants), newest first' },
    },
  );
}
