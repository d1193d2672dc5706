// JSON API of deployments (curl users): /v1/deployments… Every route goes through requireDeployment (or the
// org/cluster checks), so another organization's id answers 404. Mutations need the member role and are audited
// by the services they call.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller } from '../http/caller';
import { HttpError, badRequest } from '../http/errors';
import { PageCursor, PageLimit, decodeCursor, encodeCursor } from '../http/cursor';
import { Integer, OneOf } from '../http/responses';
import { defaultOrg, requireOrg } from '../orgs/access';
import { requireCluster } from '../clusters/access';
import { requireDeployment } from './access';
import { applyRevision, deleteDeployment, rollbackDeployment, type ApplyOutcome, type DeleteOutcome } from './apply';
import { diffRevisions } from './diff';
import { buildTimeFindings } from './findings';
import { deploymentJson, detailJson, findingsEnvironment, findingsJson, invalidError, revisionJson, targetJson } from './json';
import { validateManifests } from './manifests';
import { changeTargets, checkSelector, createDeployment, createRevision } from './service';
import { findRevision, listClusterDeployments, listDeployments, listRevisions, listTargets, listTargetsOf } from './store';
import { DEPLOYMENT_SOURCES, type DeploymentSource } from './vocabulary';
import {
  ClusterDeploymentsJson,
  CreatedJson,
  DeploymentDetailJson,
  DeploymentPage,
  DiffJson,
  QueuedJson,
  RevisionDetailJson,
  RevisionPage,
  ValidationJson,
} from './responses';

const Selector = t.Object(
  {
    clusterIds: t.Optional(t.Array(t.String({ maxLength: 64 }), { maxItems: 500, description: 'Clusters of the organization or its children' })),
    environments: t.Optional(t.Array(t.String({ maxLength: 20 }), { maxItems: 4, description: 'Every cluster with one of these environments' })),
    labels: t.Optional(
      t.Record(t.String({ maxLength: 400 }), t.String({ maxLength: 100 }), { maxProperties: 32, description: 'Every cluster carrying all of these labels' }),
    ),
  },
  { additionalProperties: false, description: 'Which clusters of the organization’s subtree it goes to: the union of the three' },
);

const Manifests = t.String({ maxLength: 1_048_576, description: 'Multi-document YAML or JSON: known namespaced kinds, all in the deployment’s namespace' });
const ClusterIds = t.Optional(t.Array(t.String({ maxLength: 64 }), { maxItems: 1000, description: 'Some of its targets; all of them when left out' }));

export function deploymentsApi(deps: AppDeps) {
  const { db, config, commandSignals: signals } = deps;
  const toQueued = async (res: Extract<ApplyOutcome | DeleteOutcome, { ok: true }>) => {
    const targets = await listTargets(db, res.deployment.id);
    const deployment = 'revision' in res ? { ...res.deployment } : res.deployment;
    return {
      deployment: deploymentJson(deployment, targets, new Date()),
      revision: 'revision' in res ? revisionJson(res.revision) : null,
      queued: res.queued,
    };
  };
  return new Elysia({ name: 'deployments-api', prefix: '/v1' })
    .get(
      '/deployments',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const limit = ctx.query.limit ?? 50;
        const after = ctx.query.cursor ? decodeCursor(ctx.query.cursor, ['text', 'uuid']) : undefined;
        const orgIds = ctx.query.orgId ? [requireOrg(caller, ctx.query.orgId).id] : caller.scopeOrgIds;
        const rows = await listDeployments(db, { orgIds }, { limit, after });
        const targets = await listTargetsOf(
          db,
          rows.map((r) => r.id),
        );
        const now = new Date();
        const last = rows[rows.length - 1];
        return {
          deployments: rows.map((d) => deploymentJson(d, targets.get(d.id) ?? [], now)),
          nextCursor: rows.length === limit ? encodeCursor([last.name, last.id]) : null,
        };
      },
      {
        query: t.Object({ orgId: t.Optional(t.String({ maxLength: 64 })), limit: PageLimit(200), cursor: PageCursor }),
        response: { 200: DeploymentPage },
        detail: { tags: ['deployments'], summary: 'Deployments of the caller’s orgs (and their children), by name, with their status per cluster' },
      },
    )
    .post(
      '/deployments/validate',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = ctx.body.orgId ? requireOrg(caller, ctx.body.orgId) : defaultOrg(caller);
        if (!org) throw badRequest('orgId: you are not a member of any organization');
        const selector = checkSelector(ctx.body.targets);
        if (!selector.ok) throw invalidError(selector);
        const checked = validateManifests(ctx.body.manifests, ctx.body.namespace);
        if (!checked.ok) throw invalidError(checked);
        const environment = ctx.body.environment ?? (await findingsEnvironment(db, org.id, selector.selector));
        const findings = await buildTimeFindings(db, org.id, checked.content, ctx.body.namespace, environment);
        return {
          objects: checked.objects.map(({ apiVersion, kind, namespace, name }) => ({ apiVersion, kind, namespace, name })),
          environment,
          findings: findingsJson(findings),
        };
      },
      {
        body: t.Object(
          {
            orgId: t.Optional(t.String({ maxLength: 64 })),
            namespace: t.String({ maxLength: 63 }),
            manifests: Manifests,
            targets: t.Optional(Selector),
            environment: t.Optional(OneOf(['production', 'staging', 'dev', 'unspecified'] as const)),
          },
          { additionalProperties: false },
        ),
        response: { 200: ValidationJson },
        detail: { tags: ['deployments'], summary: 'Check manifests as an import would, and the build-time policy findings, without storing anything' },
      },
    )
    .post(
      '/deployments',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = ctx.body.orgId ? requireOrg(caller, ctx.body.orgId, 'member') : defaultOrg(caller);
        if (!org) throw badRequest('orgId: you are not a member of any organization');
        requireOrg(caller, org.id, 'member');
        const res = await createDeployment(db, actorOf(caller, ctx, config.trustProxy), {
          orgId: org.id,
          name: ctx.body.name,
          namespace: ctx.body.namespace,
          manifests: ctx.body.manifests,
          source: (ctx.body.source ?? 'import') as DeploymentSource,
          builderForm: ctx.body.builderForm,
          gitCommit: ctx.body.gitCommit,
          message: ctx.body.message,
          targets: ctx.body.targets ?? {},
        });
        if (!res.ok) throw invalidError(res);
        const environment = await findingsEnvironment(db, org.id, res.deployment.targets);
        const findings = await buildTimeFindings(db, org.id, res.revision.content, res.deployment.namespace, environment);
        ctx.set.status = 201;
        return {
          deployment: deploymentJson(res.deployment, [], new Date()),
          revision: revisionJson(res.revision),
          unchanged: false,
          findings: findingsJson(findings),
        };
      },
      {
        body: t.Object(
          {
            orgId: t.Optional(t.String({ maxLength: 64, description: 'Defaults to the caller’s current (or first) org' })),
            name: t.String({ maxLength: 100, description: 'A DNS label, unique in the organization' }),
            namespace: t.String({ maxLength: 100, description: 'A DNS label: every object lives in it' }),
            manifests: Manifests,
            source: t.Optional(OneOf(DEPLOYMENT_SOURCES, { description: 'Default import' })),
            builderForm: t.Optional(t.Unknown()),
            gitCommit: t.Optional(t.String({ maxLength: 64 })),
            message: t.Optional(t.String({ maxLength: 500 })),
            targets: t.Optional(Selector),
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatedJson },
        detail: {
          tags: ['deployments'],
          summary: 'Create a deployment with its first revision (member); nothing is applied yet. Answers the build-time findings',
        },
      },
    )
    .get(
      '/deployments/:id',
      async (ctx) => {
        const { deployment } = await requireDeployment(db, await requireCaller(db, ctx), ctx.params.id);
        return detailJson(db, deployment);
      },
      {
        response: { 200: DeploymentDetailJson },
        detail: { tags: ['deployments'], summary: 'One deployment: status per cluster, and the clusters its targets pick now' },
      },
    )
    .patch(
      '/deployments/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { deployment } = await requireDeployment(db, caller, ctx.params.id, 'member');
        const res = await changeTargets(db, actorOf(caller, ctx, config.trustProxy), deployment, ctx.body.targets);
        if (!res.ok) throw invalidError(res);
        return detailJson(db, res.deployment);
      },
      {
        body: t.Object({ targets: Selector }, { additionalProperties: false }),
        response: { 200: DeploymentDetailJson },
        detail: { tags: ['deployments'], summary: 'Replace the deployment’s targets (member); nothing is applied or removed by this alone' },
      },
    )
    .delete(
      '/deployments/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { deployment } = await requireDeployment(db, caller, ctx.params.id, 'member');
        const res = await deleteDeployment(db, signals, actorOf(caller, ctx, config.trustProxy), deployment.id);
        if (!res.ok) throw invalidError(res);
        ctx.set.status = 202;
        return toQueued(res);
      },
      {
        response: { 202: QueuedJson },
        detail: {
          tags: ['deployments'],
          summary:
            'Delete a deployment (member): queues deletes of exactly the objects it created on each cluster, never a namespace; deleted once every cluster answered',
        },
      },
    )
    .get(
      '/deployments/:id/revisions',
      async (ctx) => {
        const { deployment } = await requireDeployment(db, await requireCaller(db, ctx), ctx.params.id);
        const limit = ctx.query.limit ?? 50;
        const before = ctx.query.cursor ? decodeCursor(ctx.query.cursor, ['int'])[0] : undefined;
        const rows = await listRevisions(db, deployment.id, { limit, before });
        const last = rows[rows.length - 1];
        return { revisions: rows.map(revisionJson), nextCursor: rows.length === limit ? encodeCursor([last.number]) : null };
      },
      {
        query: t.Object({ limit: PageLimit(200), cursor: PageCursor }),
        response: { 200: RevisionPage },
        detail: { tags: ['deployments'], summary: 'Revisions, newest first, without their content' },
      },
    )
    .post(
      '/deployments/:id/revisions',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { deployment } = await requireDeployment(db, caller, ctx.params.id, 'member');
        const res = await createRevision(db, actorOf(caller, ctx, config.trustProxy), deployment.id, {
          manifests: ctx.body.manifests,
          source: ctx.body.source ?? 'import',
          builderForm: ctx.body.builderForm,
          gitCommit: ctx.body.gitCommit,
          message: ctx.body.message,
        });
        if (!res.ok) throw invalidError(res);
        const environment = await findingsEnvironment(db, deployment.orgId, deployment.targets);
        const findings = await buildTimeFindings(db, deployment.orgId, res.revision.content, deployment.namespace, environment);
        const fresh = await requireDeployment(db, caller, deployment.id);
        ctx.set.status = res.unchanged ? 200 : 201;
        return {
          deployment: deploymentJson(fresh.deployment, await listTargets(db, deployment.id), new Date()),
          revision: revisionJson(res.revision),
          unchanged: res.unchanged ?? false,
          findings: findingsJson(findings),
        };
      },
      {
        body: t.Object(
          {
            manifests: Manifests,
            source: t.Optional(OneOf(['builder', 'import', 'git'] as const, { description: 'Default import' })),
            builderForm: t.Optional(t.Unknown()),
            gitCommit: t.Optional(t.String({ maxLength: 64 })),
            message: t.Optional(t.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: CreatedJson, 201: CreatedJson },
        detail: {
          tags: ['deployments'],
          summary:
            'A new revision (member): 201, or 200 with unchanged=true when the content equals the latest. Nothing is applied. Answers the build-time findings',
        },
      },
    )
    .get(
      '/deployments/:id/revisions/:number',
      async (ctx) => {
        const { deployment } = await requireDeployment(db, await requireCaller(db, ctx), ctx.params.id);
        const number = /^[0-9]{1,10}$/.test(ctx.params.number) ? Number(ctx.params.number) : 0;
        const revision = await findRevision(db, deployment.id, number);
        if (!revision) throw new HttpError(404, 'not_found', 'revision not found');
        return { ...revisionJson(revision), content: revision.content, builderForm: revision.builderForm ?? null };
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }), number: t.String({ maxLength: 64, description: 'Revision number' }) }),
        response: { 200: RevisionDetailJson },
        detail: { tags: ['deployments'], summary: 'One revision with its manifests' },
      },
    )
    .get(
      '/deployments/:id/diff',
      async (ctx) => {
        const { deployment } = await requireDeployment(db, await requireCaller(db, ctx), ctx.params.id);
        if (ctx.query.from === undefined) throw badRequest('from: required (a revision number)');
        if (ctx.query.to === undefined) throw badRequest('to: required (a revision number)');
        const [from, to] = await Promise.all([findRevision(db, deployment.id, ctx.query.from), findRevision(db, deployment.id, ctx.query.to)]);
        if (!from) throw badRequest(`from: no revision ${ctx.query.from}`);
        if (!to) throw badRequest(`to: no revision ${ctx.query.to}`);
        const diff = diffRevisions(from, to);
        if (!diff.ok) throw badRequest(`to: ${diff.message}`);
        return { from: from.number, to: to.number, added: diff.added, removed: diff.removed, hunks: diff.hunks, patch: diff.patch };
      },
      {
        query: t.Object({
          from: t.Optional(t.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Revision number (required)' })),
          to: t.Optional(t.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Revision number (required)' })),
        }),
        response: { 200: DiffJson },
        detail: { tags: ['deployments'], summary: 'Line diff of two revisions’ YAML (any two, either order)' },
      },
    )
    .post(
      '/deployments/:id/apply',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { deployment } = await requireDeployment(db, caller, ctx.params.id, 'member');
        const number = ctx.body.revision ?? deployment.latestRevision;
        const res = await applyRevision(db, signals, actorOf(caller, ctx, config.trustProxy), deployment.id, number, ctx.body.clusterIds ?? null);
        if (!res.ok) throw invalidError(res);
        ctx.set.status = 202;
        return toQueued(res);
      },
      {
        body: t.Object(
          { revision: t.Optional(Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Default: the latest' })), clusterIds: ClusterIds },
          { additionalProperties: false },
        ),
        response: { 202: QueuedJson },
        detail: {
          tags: ['deployments'],
          summary:
            'Apply a revision (member): one apply command per cluster, pruning what the cluster’s previous revision had and this one lacks. 409 capability_missing, queuing nothing, when any chosen cluster lacks the apply capability',
        },
      },
    )
    .post(
      '/deployments/:id/rollback',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { deployment } = await requireDeployment(db, caller, ctx.params.id, 'member');
        const res = await rollbackDeployment(db, signals, actorOf(caller, ctx, config.trustProxy), deployment, ctx.body.revision, ctx.body.clusterIds ?? null);
        if (!res.ok) throw invalidError(res);
        ctx.set.status = 202;
        return toQueued(res);
      },
      {
        body: t.Object(
          { revision: Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The revision whose content to go back to' }), clusterIds: ClusterIds },
          { additionalProperties: false },
        ),
        response: { 202: QueuedJson },
        detail: {
          tags: ['deployments'],
          summary: 'Roll back (member): a new revision with an older one’s content, applied like any other (same capability rule)',
        },
      },
    )
    .get(
      '/clusters/:id/deployments',
      async (ctx) => {
        const { cluster } = await requireCluster(db, await requireCaller(db, ctx), ctx.params.id);
        const rows = await listClusterDeployments(db, cluster.id, 500);
        const now = new Date();
        return {
          deployments: rows.map((r) => {
            const { clusters: _, ...deployment } = deploymentJson(r.deployment, [], now);
            return { deployment, target: targetJson(r, now) };
          }),
        };
      },
      { response: { 200: ClusterDeploymentsJson }, detail: { tags: ['deployments'], summary: 'The deployments on a cluster, with its status for each' } },
    );
}
