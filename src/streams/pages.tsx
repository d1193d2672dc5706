// HTML of log streams: a cluster's Logs tab (its pods, one click from their tail), the full-screen viewer
// of one pod, and the workload tail across clusters. The viewer page only renders; static/logs.ts opens
// the stream through the JSON API (POST) and reads it over SSE, so the page itself has no side effects.
import { Elysia, t } from 'elysia';
import Html from '@kitajs/html';
import type { AppDeps } from '../deps';
import { requireCaller } from '../http/caller';
import { renderPage } from '../http/page';
import { requireCluster } from '../clusters/access';
import { findPodBrief, listPodBriefs, listReplacementPods } from '../inventory/pod-lookup';
import { ClusterLayout } from '../../views/clusters/detail';
import { LogViewer, LogsNotEnabled, type ViewerConfig } from '../../views/streams/viewer';
import { LogsTab } from '../../views/streams/pods';
import { POD_STATUS_ID, PodGone, PodGonePlaceholder } from '../../views/streams/pod-gone';
import { enableLogsCommand, logsEnabled, notEnabledMessage } from './service';
import { workloadPage } from './workload-pages';

const PODS_SHOWN = 200;
const DEFAULT_TAIL = 500;
const REPLACEMENTS_SHOWN = 20;

export function streamsPages(deps: AppDeps) {
  const { db, config } = deps;
  return new Elysia({ name: 'streams-pages' })
    .get(
      '/clusters/:id/logs',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster, org } = await requireCluster(db, caller, ctx.params.id);
        const q = (ctx.query.q ?? '').trim();
        const pods = await listPodBriefs(db, cluster.id, { q: q || undefined, limit: PODS_SHOWN });
        const enabled = logsEnabled(cluster);
        const body = (
          <ClusterLayout cluster={cluster} orgName={org.name} tab="logs">
            {enabled ? (
              ''
            ) : (
              <LogsNotEnabled clusterName={cluster.name} command={enableLogsCommand(config.publicUrl)} detail={notEnabledMessage(cluster, config.publicUrl)} />
            )}
            <LogsTab clusterId={cluster.id} pods={pods} q={q} limit={PODS_SHOWN} enabled={enabled} />
          </ClusterLayout>
        );
        return renderPage(caller, ctx.cookie, { title: `${cluster.name} · Logs`, active: 'fleet', body });
      },
      { query: t.Object({ q: t.Optional(t.String({ maxLength: 200 })) }) },
    )
    .get(
      '/clusters/:id/pods/:namespace/:name/logs',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster, org } = await requireCluster(db, caller, ctx.params.id);
        const { namespace, name } = ctx.params;
        const pod = await findPodBrief(db, cluster.id, namespace, name);
        const containers =
          pod?.containers.map((c) => ({ name: c.name, kind: c.kind, restarts: c.restarts, lastTerminationReason: c.lastTerminationReason })) ?? [];
        const asked = ctx.query.container;
        const container =
          asked && (containers.length === 0 || containers.some((c) => c.name === asked))
            ? asked
            : ((containers.find((c) => c.kind === 'app') ?? containers[0])?.name ?? asked ?? '');
        if (asked && containers.length === 0) containers.push({ name: asked, kind: 'app', restarts: 0, lastTerminationReason: undefined });
        const previous = ctx.query.previous === '1';
        const viewer: ViewerConfig = {
          mode: 'pod',
          clusterId: cluster.id,
          namespace,
          pod: name,
          containers,
          container,
          previous,
          follow: !previous,
          tailLines: DEFAULT_TAIL,
          timestamps: false,
        };
        const crumbs = (
          <p class="muted crumbs">
            <a href="/">Fleet</a> / <span safe>{org.name}</span> /{' '}
            <a href={`/clusters/${cluster.id}/logs`} safe>
              {cluster.name}
            </a>{' '}
            /{' '}
            <span class="mono" safe>
              {namespace}
            </span>{' '}
            /{' '}
            <strong class="mono" safe>
              {name}
            </strong>
            {pod ? (
              <span id={POD_STATUS_ID} class="chip" safe>
                {`${pod.status} · ${pod.restarts} restarts`}
              </span>
            ) : (
              <span id={POD_STATUS_ID} class="chip">
                gone
              </span>
            )}
          </p>
        );
        let body: JSX.Element;
        if (!logsEnabled(cluster)) {
          body = (
            <>
              {crumbs}
              <LogsNotEnabled clusterName={cluster.name} command={enableLogsCommand(config.publicUrl)} detail={notEnabledMessage(cluster, config.publicUrl)} />
            </>
          );
        } else if (containers.length === 0) {
          // A link to a pod that is gone (a rollout replaced it): offer the pods that took its place.
          const replacement = await listReplacementPods(db, cluster.id, namespace, name, REPLACEMENTS_SHOWN);
          body = (
            <>
              {crumbs}
              <PodGone clusterId={cluster.id} namespace={namespace} pod={name} replacement={replacement} />
              <p class="muted small">If it was created just now, it shows after the next heartbeat; or open it with ?container=&lt;name&gt;.</p>
            </>
          );
        } else
          body = (
            <>
              <LogViewer config={viewer} title={`${namespace}/${name}`} crumbs={crumbs} />
              <PodGonePlaceholder clusterId={cluster.id} namespace={namespace} pod={name} />
            </>
          );
        return renderPage(caller, ctx.cookie, { title: `Logs · ${name}`, active: 'fleet', body, scripts: ['logs.css', 'logs.js'] });
      },
      {
        query: t.Object({
          container: t.Optional(t.String({ maxLength: 253 })),
          previous: t.Optional(t.String({ maxLength: 1 })),
        }),
      },
    )
    .get('/clusters/:id/pods/:namespace/:name/logs/gone', async (ctx) => {
      // Asked by the viewer when its stream ended: still there → the empty placeholder, gone → what replaced it.
      const caller = await requireCaller(db, ctx);
      const { cluster } = await requireCluster(db, caller, ctx.params.id);
      const { namespace, name } = ctx.params;
      if (await findPodBrief(db, cluster.id, namespace, name)) return <PodGonePlaceholder clusterId={cluster.id} namespace={namespace} pod={name} />;
      const replacement = await listReplacementPods(db, cluster.id, namespace, name, REPLACEMENTS_SHOWN);
      return <PodGone clusterId={cluster.id} namespace={namespace} pod={name} replacement={replacement} oob />;
    })
    .use(workloadPage(deps));
}
