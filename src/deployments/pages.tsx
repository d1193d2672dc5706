// HTML for deployments: the list with status per cluster (polled), the import form, a deployment's page (status
// polled, apply / rollback / delete, revisions, diff, new revision, targets, sections other parts add) and the
// cluster's Deployments tab. Same services as the JSON API; every refusal is shown where it was asked for.
import Html from '@kitajs/html';
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import type { Db } from '../db/client';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { redirect, renderPage, setFlash } from '../http/page';
import { badRequest } from '../http/errors';
import { requireOrg } from '../orgs/access';
import { roleAtLeast } from '../orgs/store';
import { requireCluster } from '../clusters/access';
import { ClusterLayout } from '../../views/clusters/detail';
import { labelLines, parseLabelLines } from '../clusters/labels';
import { listClustersByIds, listFleet } from '../clusters/store';
import type { Environment } from '../clusters/vocabulary';
import { DeploymentsLive, DeploymentsPage, type DeploymentRowView, type ImportValues } from '../../views/deployments/list';
import { ClusterDeploymentsTab, DeploymentLive, DeploymentPage, DiffPage, RevisionPage, type DeploymentLiveProps } from '../../views/deployments/detail';
import { CheckResult, type TargetView } from '../../views/deployments/parts';
import { requireDeployment } from './access';
import { applyRefusal, applyRevision, deleteDeployment, rollbackDeployment } from './apply';
import { diffRevisions } from './diff';
import { buildTimeFindings } from './findings';
import { findingsEnvironment } from './json';
import { validateManifests } from './manifests';
import { changeTargets, checkSelector, createDeployment, createRevision, resolveTargets, type Invalid } from './service';
import { renderSections } from './sections';
import { clusterDriftProps } from './waves-pages';
import { ClusterDrift } from '../../views/deployments/ops';
import { targetState } from './status';
import { findRevision, listClusterDeployments, listDeployments, listRevisions, listTargets, listTargetsOf, type TargetRow } from './store';
import type { Deployment } from './schema';
import type { SelectorInput } from './vocabulary';

const LIST_LIMIT = 200;
const REVISIONS_SHOWN = 50;
/** Clusters offered in a target picker. */
const PICKER_CLUSTERS = 300;

const csrf = (caller: Caller): string => caller.session?.csrfToken ?? '';
const orgNameOf = (caller: Caller, orgId: string): string => caller.orgs.find((o) => o.id === orgId)?.name ?? '';
/** A revision number from a form field; a 400 naming the field otherwise. */
function revisionNumber(raw: string, field = 'revision'): number {
  const n = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : 0;
  if (n < 1 || n > 2_147_483_647) throw badRequest(`${field}: must be a revision number (1, 2, …)`);
  return n;
}

const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function targetView(row: TargetRow, now: Date): TargetView {
  const state = targetState(row, now);
  return {
    clusterId: row.clusterId,
    clusterName: row.clusterName,
    status: state.status,
    error: state.error,
    desiredRevision: row.desiredRevision,
    appliedRevision: row.appliedRevision,
    lastSyncAt: row.lastSyncAt,
  };
}

async function loadRows(db: Db, caller: Caller): Promise<DeploymentRowView[]> {
  const rows = await listDeployments(db, { orgIds: caller.scopeOrgIds }, { limit: LIST_LIMIT });
  const targets = await listTargetsOf(
    db,
    rows.map((r) => r.id),
  );
  const now = new Date();
  return rows.map((d) => ({
    id: d.id,
    name: d.name,
    namespace: d.namespace,
    orgName: orgNameOf(caller, d.orgId),
    status: d.status,
    latestRevision: d.latestRevision,
    updatedAt: d.updatedAt,
    targets: (targets.get(d.id) ?? []).map((t) => targetView(t, now)),
  }));
}

async function loadLive(db: Db, caller: Caller, deployment: Deployment): Promise<DeploymentLiveProps> {
  const org = caller.orgs.find((o) => o.id === deployment.orgId);
  const now = new Date();
  const [targets, candidates] = await Promise.all([listTargets(db, deployment.id), deployment.status === 'active' ? resolveTargets(db, deployment) : []]);
  return {
    deployment: { ...deployment, orgName: org?.name ?? '' },
    targets: targets.map((t) => targetView(t, now)),
    candidates: candidates.map((c) => ({ clusterId: c.id, clusterName: c.name, environment: c.environment, refusal: applyRefusal(c) })),
    canOperate: !!org && roleAtLeast(org.role, 'member'),
    csrfToken: csrf(caller),
  };
}

/** The target fields of a form (checkboxes and a key=value textarea) as a selector, or the field that is wrong. */
function selectorFromForm(body: {
  environments?: string | string[];
  labels?: string;
  clusterIds?: string | string[];
}): { ok: true; selector: SelectorInput } | Invalid {
  const labels = parseLabelLines(body.labels ?? '', 'targets.labels');
  if (!labels.ok) return labels;
  return { ok: true, selector: { environments: many(body.environments), clusterIds: many(body.clusterIds), labels: labels.labels } };
}

const TargetBody = {
  environments: t.Optional(t.Union([t.String({ maxLength: 20 }), t.Array(t.String({ maxLength: 20 }), { maxItems: 8 })])),
  labels: t.Optional(t.String({ maxLength: 20_000 })),
  clusterIds: t.Optional(t.Union([t.String({ maxLength: 64 }), t.Array(t.String({ maxLength: 64 }), { maxItems: 500 })])),
};

export function deploymentsPages(deps: AppDeps) {
  const { db, config, commandSignals: signals } = deps;
  const pickerClusters = async (caller: Caller) =>
    (await listFleet(db, { orgIds: caller.scopeOrgIds }, { limit: PICKER_CLUSTERS })).map((c) => ({ id: c.id, name: c.name, environment: c.environment }));
  const orgsToCreateIn = (caller: Caller) =>
    caller.orgs.filter((o) => caller.scopeOrgIds.includes(o.id) && roleAtLeast(o.role, 'member')).map((o) => ({ id: o.id, name: o.name }));

  const listPage = async (caller: Caller, cookie: Parameters<typeof renderPage>[1], form?: { values: ImportValues; error: string }) => {
    const orgs = orgsToCreateIn(caller);
    const body = (
      <DeploymentsPage
        rows={await loadRows(db, caller)}
        form={orgs.length ? { csrfToken: csrf(caller), orgs, clusters: await pickerClusters(caller), values: form?.values, error: form?.error } : null}
      />
    );
    return renderPage(caller, cookie, { title: 'Deployments', active: 'deployments', body });
  };

  const detailPage = async (caller: Caller, cookie: Parameters<typeof renderPage>[1], deployment: Deployment, form?: { error: string; manifests?: string }) => {
    const live = await loadLive(db, caller, deployment);
    const [revisions, explicit] = await Promise.all([
      listRevisions(db, deployment.id, { limit: REVISIONS_SHOWN }),
      listClustersByIds(db, deployment.targets.clusterIds ?? []),
    ]);
    const sections = await renderSections({ db, caller, deployment, canOperate: live.canOperate, csrfToken: csrf(caller) });
    const body = (
      <DeploymentPage
        {...live}
        revisions={revisions.map((r) => ({ ...r, objects: r.objects.length }))}
        selector={{ clusterNames: explicit.map((c) => c.name), environments: deployment.targets.environments ?? [], labels: deployment.targets.labels ?? {} }}
        targetForm={{
          clusters: await pickerClusters(caller),
          environments: deployment.targets.environments ?? [],
          labels: labelLines(deployment.targets.labels ?? {}),
          clusterIds: deployment.targets.clusterIds ?? [],
        }}
        error={form?.error ?? null}
        manifests={form?.manifests}
        sections={sections}
      />
    );
    return renderPage(caller, cookie, { title: `Deployment ${deployment.name}`, active: 'deployments', body });
  };

  /** The manifests check fragment: objects and build-time findings, or the refusal naming document and field. */
  const checkFragment = async (orgId: string, namespace: string, manifests: string, selector: SelectorInput) => {
    const checked = validateManifests(manifests, namespace);
    if (!checked.ok) return <CheckResult error={`${checked.field}: ${checked.message}`} />;
    const sel = checkSelector(selector);
    const environment: Environment = sel.ok ? await findingsEnvironment(db, orgId, sel.selector) : 'unspecified';
    const findings = await buildTimeFindings(db, orgId, checked.content, namespace, environment);
    return (
      <CheckResult
        objects={checked.objects.map((o) => `${o.kind} ${o.name}`)}
        environment={environment}
        findings={findings.flatMap((w) =>
          w.findings.map((f) => ({ subject: w.subject, ruleId: f.ruleId, severity: f.severity, title: f.title, message: f.message })),
        )}
      />
    );
  };

  return new Elysia({ name: 'deployments-pages' })
    .get('/deployments', async (ctx) => listPage(await requireCaller(db, ctx), ctx.cookie))
    .get('/deployments/live', async (ctx) => <DeploymentsLive rows={await loadRows(db, await requireCaller(db, ctx))} />)
    .post(
      '/deployments/check',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.body.orgId);
        const selector = selectorFromForm(ctx.body);
        return checkFragment(org.id, ctx.body.namespace, ctx.body.manifests, selector.ok ? selector.selector : {});
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          orgId: t.String({ maxLength: 64 }),
          name: t.Optional(t.String({ maxLength: 200 })),
          namespace: t.String({ maxLength: 200 }),
          manifests: t.String({ maxLength: 1_048_576 }),
          ...TargetBody,
        }),
      },
    )
    .post(
      '/deployments',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.body.orgId, 'member');
        const values: ImportValues = {
          orgId: org.id,
          name: ctx.body.name,
          namespace: ctx.body.namespace,
          manifests: ctx.body.manifests,
          environments: many(ctx.body.environments),
          labels: ctx.body.labels ?? '',
          clusterIds: many(ctx.body.clusterIds),
        };
        const again = (res: Invalid) => {
          ctx.set.status = 422;
          return listPage(caller, ctx.cookie, { values, error: `${res.field}: ${res.message}` });
        };
        const selector = selectorFromForm(ctx.body);
        if (!selector.ok) return again(selector);
        const res = await createDeployment(db, actorOf(caller, ctx, config.trustProxy), {
          orgId: org.id,
          name: ctx.body.name.trim(),
          namespace: ctx.body.namespace.trim(),
          manifests: ctx.body.manifests,
          source: 'import',
          targets: selector.selector,
        });
        if (!res.ok) return again(res);
        setFlash(ctx.cookie, { kind: 'ok', text: `Deployment ${res.deployment.name} created with revision 1. Nothing is applied until you press Apply.` });
        return redirect(`/deployments/${res.deployment.id}`);
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          orgId: t.String({ maxLength: 64 }),
          name: t.String({ maxLength: 200 }),
          namespace: t.String({ maxLength: 200 }),
          manifests: t.String({ maxLength: 1_048_576 }),
          ...TargetBody,
        }),
      },
    )
    .get('/deployments/:id', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const { deployment } = await requireDeployment(db, caller, ctx.params.id);
      return detailPage(caller, ctx.cookie, deployment);
    })
    .get('/deployments/:id/live', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const { deployment } = await requireDeployment(db, caller, ctx.params.id);
      return <DeploymentLive {...(await loadLive(db, caller, deployment))} />;
    })
    .post(
      '/deployments/:id/check',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { deployment } = await requireDeployment(db, caller, ctx.params.id);
        return checkFragment(deployment.orgId, deployment.namespace, ctx.body.manifests, deployment.targets);
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), manifests: t.String({ maxLength: 1_048_576 }) }, { additionalProperties: true }) },
    )
    .post(
      '/deployments/:id/revisions',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { deployment } = await requireDeployment(db, caller, ctx.params.id, 'member');
        const actor = actorOf(caller, ctx, config.trustProxy);
        const res = await createRevision(db, actor, deployment.id, {
          manifests: ctx.body.manifests,
          source: 'import',
          message: ctx.body.message?.trim() || undefined,
        });
        if (!res.ok) {
          ctx.set.status = 422;
          return detailPage(caller, ctx.cookie, deployment, { error: `${res.field}: ${res.message}`, manifests: ctx.body.manifests });
        }
        if (ctx.body.apply) {
          const applied = await applyRevision(db, signals, actor, deployment.id, res.revision.number, null);
          if (!applied.ok) {
            setFlash(ctx.cookie, {
              kind: 'error',
              text: `Revision ${res.revision.number} saved, not applied: ${'field' in applied ? `${applied.field}: ` : ''}${applied.message}`,
            });
            return redirect(`/deployments/${deployment.id}`);
          }
        }
        setFlash(ctx.cookie, {
          kind: 'ok',
          text: res.unchanged
            ? `The manifests equal revision ${res.revision.number}: no new revision.${ctx.body.apply ? ' Applied it again.' : ''}`
            : `Revision ${res.revision.number} saved${ctx.body.apply ? ' and queued on every target' : ''}.`,
        });
        return redirect(`/deployments/${deployment.id}`);
      },
      {
        body: t.Object(
          {
            _csrf: t.Optional(t.String()),
            manifests: t.String({ maxLength: 1_048_576 }),
            message: t.Optional(t.String({ maxLength: 500 })),
            apply: t.Optional(t.String({ maxLength: 4 })),
          },
          { additionalProperties: true },
        ),
      },
    )
    .post(
      '/deployments/:id/apply',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { deployment } = await requireDeployment(db, caller, ctx.params.id, 'member');
        const number = ctx.body.revision === undefined ? deployment.latestRevision : revisionNumber(ctx.body.revision);
        const res = await applyRevision(db, signals, actorOf(caller, ctx, config.trustProxy), deployment.id, number, null);
        setFlash(
          ctx.cookie,
          res.ok
            ? { kind: 'ok', text: `Revision ${res.revision.number} queued on ${res.queued.length} cluster(s).` }
            : { kind: 'error', text: `Not applied: ${'field' in res ? `${res.field}: ` : ''}${res.message}` },
        );
        return redirect(`/deployments/${deployment.id}`);
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), revision: t.Optional(t.String({ maxLength: 12 })) }) },
    )
    .post(
      '/deployments/:id/rollback',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { deployment } = await requireDeployment(db, caller, ctx.params.id, 'member');
        const res = await rollbackDeployment(db, signals, actorOf(caller, ctx, config.trustProxy), deployment, revisionNumber(ctx.body.revision), null);
        setFlash(
          ctx.cookie,
          res.ok
            ? {
                kind: 'ok',
                text: `Rolled back to revision ${ctx.body.revision} as revision ${res.revision.number}, queued on ${res.queued.length} cluster(s).`,
              }
            : { kind: 'error', text: `Not rolled back: ${'field' in res ? `${res.field}: ` : ''}${res.message}` },
        );
        return redirect(`/deployments/${deployment.id}`);
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), revision: t.String({ maxLength: 12 }) }) },
    )
    .post(
      '/deployments/:id/targets',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { deployment } = await requireDeployment(db, caller, ctx.params.id, 'member');
        const selector = selectorFromForm(ctx.body);
        const res = selector.ok ? await changeTargets(db, actorOf(caller, ctx, config.trustProxy), deployment, selector.selector) : selector;
        if (!res.ok) {
          ctx.set.status = 422;
          return detailPage(caller, ctx.cookie, deployment, { error: `${res.field}: ${res.message}` });
        }
        setFlash(ctx.cookie, { kind: 'ok', text: 'Targets saved. Apply to put the deployment on the clusters they pick.' });
        return redirect(`/deployments/${deployment.id}`);
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), ...TargetBody }) },
    )
    .post(
      '/deployments/:id/delete',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { deployment } = await requireDeployment(db, caller, ctx.params.id, 'member');
        if (ctx.body.confirm.trim() !== deployment.name) {
          setFlash(ctx.cookie, { kind: 'error', text: 'The name you typed does not match; the deployment was not deleted.' });
          return redirect(`/deployments/${deployment.id}`);
        }
        const res = await deleteDeployment(db, signals, actorOf(caller, ctx, config.trustProxy), deployment.id);
        setFlash(
          ctx.cookie,
          res.ok
            ? {
                kind: 'ok',
                text: res.queued.length ? `Deleting ${deployment.name} from ${res.queued.length} cluster(s).` : `Deployment ${deployment.name} deleted.`,
              }
            : { kind: 'error', text: `Not deleted: ${'field' in res ? `${res.field}: ` : ''}${res.message}` },
        );
        return redirect(`/deployments/${deployment.id}`);
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), confirm: t.String({ maxLength: 200 }) }) },
    )
    .get(
      '/deployments/:id/diff',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { deployment } = await requireDeployment(db, caller, ctx.params.id);
        const fromNumber = revisionNumber(ctx.query.from ?? '', 'from');
        const toNumber = revisionNumber(ctx.query.to ?? '', 'to');
        const [from, to] = await Promise.all([findRevision(db, deployment.id, fromNumber), findRevision(db, deployment.id, toNumber)]);
        const diff = !from
          ? { ok: false as const, message: `from: no revision ${fromNumber}` }
          : !to
            ? { ok: false as const, message: `to: no revision ${toNumber}` }
            : diffRevisions(from, to);
        if (!diff.ok) ctx.set.status = 400;
        const body = <DiffPage deployment={deployment} from={fromNumber} to={toNumber} diff={diff} />;
        return renderPage(caller, ctx.cookie, { title: `${deployment.name} · diff`, active: 'deployments', body });
      },
      { query: t.Object({ from: t.Optional(t.String({ maxLength: 12 })), to: t.Optional(t.String({ maxLength: 12 })) }) },
    )
    .get(
      '/deployments/:id/revisions/:number',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { deployment } = await requireDeployment(db, caller, ctx.params.id);
        const revision = await findRevision(db, deployment.id, revisionNumber(ctx.params.number, 'number'));
        if (!revision) return redirect(`/deployments/${deployment.id}`);
        const body = <RevisionPage deployment={deployment} revision={{ ...revision, createdBy: null, objects: revision.objects.length }} />;
        return renderPage(caller, ctx.cookie, { title: `${deployment.name} · revision ${revision.number}`, active: 'deployments', body });
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }), number: t.String({ maxLength: 64 }) }) },
    )
    .get('/clusters/:id/deployments', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const { cluster, org } = await requireCluster(db, caller, ctx.params.id);
      const drift = await clusterDriftProps(db, caller, cluster, roleAtLeast(org.role, 'member'));
      const body = (
        <ClusterLayout cluster={cluster} orgName={org.name} tab="deployments">
          <ClusterDeploymentsTab {...(await clusterTab(db, cluster.id))} />
          <ClusterDrift {...drift} />
        </ClusterLayout>
      );
      return renderPage(caller, ctx.cookie, { title: `${cluster.name} · Deployments`, active: 'fleet', body });
    })
    .get('/clusters/:id/deployments/live', async (ctx) => {
      const { cluster } = await requireCluster(db, await requireCaller(db, ctx), ctx.params.id);
      return <ClusterDeploymentsTab {...(await clusterTab(db, cluster.id))} />;
    });
}

async function clusterTab(db: Db, clusterId: string): Promise<Parameters<typeof ClusterDeploymentsTab>[0]> {
  const rows = await listClusterDeployments(db, clusterId, 500);
  const now = new Date();
  return {
    clusterId,
    rows: rows.map((r) => ({
      id: r.deployment.id,
      name: r.deployment.name,
      namespace: r.deployment.namespace,
      latestRevision: r.deployment.latestRevision,
      target: targetView(r, now),
    })),
  };
}
