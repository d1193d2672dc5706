// The workload tail page: every pod of one owner across the caller's clusters (or the ones named),
// merged into one view with a coloured cluster/pod prefix. Like the pod viewer it only renders; the
// script opens the tail (POST /v1/tails), reads it over SSE and asks for a refresh so new pods join.
import { Elysia, t } from 'elysia';
import Html from '@kitajs/html';
import type { AppDeps } from '../deps';
import { requireCaller } from '../http/caller';
import { renderPage } from '../http/page';
import { listWorkloadPods, type PodBrief } from '../inventory/pod-lookup';
import { ALL_CONTAINERS, LogViewer, MAIN_CONTAINER, type ViewerConfig, type ViewerContainer } from '../../views/streams/viewer';
import { MAX_TAIL_PODS } from './tail';
import { plural } from '../../views/shared/format';

/** Every container the workload's pods have, by name once each, init containers aside (a tail never follows them). */
function workloadContainers(pods: readonly PodBrief[]): ViewerContainer[] {
  const seen = new Map<string, ViewerContainer>();
  for (const p of pods) for (const c of p.containers) if (c.kind !== 'init' && !seen.has(c.name)) seen.set(c.name, { name: c.name, kind: c.kind, restarts: 0 });
  return [...seen.values()];
}

export function workloadPage(deps: AppDeps) {
  const { db } = deps;
  return new Elysia({ name: 'streams-workload-pages' }).get(
    '/logs/workload',
    async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const q = ctx.query;
      const clusterIds = q.cluster === undefined ? [] : Array.isArray(q.cluster) ? q.cluster : [q.cluster];
      const scope = clusterIds.length ? { orgIds: caller.orgs.map((o) => o.id), clusterIds } : { orgIds: caller.scopeOrgIds };
      const pods = await listWorkloadPods(db, scope, { kind: q.kind, name: q.name, namespace: q.namespace ?? null }, MAX_TAIL_PODS);
      const clusters = [...new Set(pods.map((p) => p.clusterName))];
      const config: ViewerConfig = {
        mode: 'workload',
        ownerKind: q.kind,
        ownerName: q.name,
        namespace: q.namespace ?? null,
        clusterIds,
        containers: workloadContainers(pods),
        container: q.all === '1' ? ALL_CONTAINERS : (q.container ?? MAIN_CONTAINER),
        follow: true,
        tailLines: 100,
        timestamps: false,
      };
      const crumbs = (
        <p class="muted crumbs">
          <a href="/">Fleet</a> / workload{' '}
          <strong class="mono" safe>
            {`${q.kind}/${q.name}`}
          </strong>
          {q.namespace ? <span class="mono" safe>{` in ${q.namespace}`}</span> : ''}
          <span class="chip" safe>
            {`${plural(pods.length, 'pod')} in ${plural(clusters.length, 'cluster')}: ${clusters.join(', ')}`}
          </span>
        </p>
      );
      const body =
        pods.length === 0 ? (
          <>
            {crumbs}
            <div class="panel" safe>
              {`No pods of ${q.kind}/${q.name} in your clusters' latest heartbeats.`}
            </div>
          </>
        ) : (
          <LogViewer config={config} title={`${q.kind}/${q.name}`} crumbs={crumbs} />
        );
      // A workload's pods across clusters: the Pods section's "workloads across clusters" view.
      return renderPage(caller, ctx.cookie, { title: `Logs · ${q.kind}/${q.name}`, active: 'pods', body, scripts: ['logs.css', 'logs.js'] });
    },
    {
      query: t.Object({
        kind: t.String({ minLength: 1, maxLength: 128 }),
        name: t.String({ minLength: 1, maxLength: 253 }),
        namespace: t.Optional(t.String({ maxLength: 253 })),
        container: t.Optional(t.String({ maxLength: 253, description: 'Follow this container of each pod (default: the main one)' })),
        all: t.Optional(t.Literal('1', { description: 'Follow every container of each pod' })),
        cluster: t.Optional(t.Union([t.String({ maxLength: 64 }), t.Array(t.String({ maxLength: 64 }), { maxItems: 100 })])),
      }),
    },
  );
}
