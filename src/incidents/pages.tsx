// /incidents: open and recently resolved incidents of the clusters in the caller's scope.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { requireCaller } from '../http/caller';
import { renderPage } from '../http/page';
import { findCluster } from '../clusters/store';
import { IncidentsPage } from '../../views/incidents/incidents';
import { listIncidents } from './store';

const OPEN_LIMIT = 200;
const RESOLVED_LIMIT = 50;

export function incidentsPages(deps: AppDeps) {
  const { db } = deps;
  return new Elysia({ name: 'incidents-pages' }).get(
    '/incidents',
    async (ctx) => {
      const caller = await requireCaller(db, ctx);
      // A cluster outside the scope simply narrows to nothing: the page never says whether it exists.
      const cluster = ctx.query.cluster ? await findCluster(db, ctx.query.cluster, caller.scopeOrgIds) : null;
      const scope = ctx.query.cluster && !cluster ? [] : caller.scopeOrgIds;
      const [open, resolved] = await Promise.all([
        listIncidents(db, scope, { state: 'open', limit: OPEN_LIMIT, clusterId: cluster?.id }),
        listIncidents(db, scope, { state: 'resolved', limit: RESOLVED_LIMIT, clusterId: cluster?.id }),
      ]);
      const body = <IncidentsPage open={open} resolved={resolved} clusterName={cluster?.name ?? null} limit={OPEN_LIMIT} />;
      return renderPage(caller, ctx.cookie, { title: 'Incidents', active: 'incidents', body });
    },
    { query: t.Object({ cluster: t.Optional(t.String({ maxLength: 64 })) }) },
  );
}
