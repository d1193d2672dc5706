// /deployments/new: the builder form with its YAML and build-time policy findings beside it, refreshed as the
// operator types (POST /deployments/new/preview answers the preview fragment the page embeds).
import Html from '@kitajs/html';
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { notFound } from '../http/errors';
import { redirect, renderPage, setFlash } from '../http/page';
import { ENVIRONMENTS, type Environment } from '../clusters/vocabulary';
import { listScopeClusters } from '../clusters/store';
import { requireOrg, defaultOrg } from '../orgs/access';
import { roleAtLeast } from '../orgs/store';
import { BuilderPage, BuilderPreview, NEW_BUILDER_VALUES, type BuilderPreviewProps, type BuilderValues } from '../../views/deployments/builder';
import { builderInputFromFields } from './builder';
import { renderBuilder, usableRegistries } from './builder-render';
import { createDeployment } from './service';

const FormValue = t.Union([t.String({ maxLength: 40_000 }), t.Array(t.String({ maxLength: 2048 }), { maxItems: 500 })]);
export const BuilderFormBody = t.Record(t.String({ maxLength: 64 }), FormValue, { maxProperties: 300 });
type Fields = Record<string, string | string[]>;

const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((s) => s !== '');

/** The environment findings are shown for: the form's choice when it is one, else production. */
export function environmentOf(fields: Fields): Environment {
  const e = one(fields.environment);
  return (ENVIRONMENTS as readonly string[]).includes(e) ? (e as Environment) : 'production';
}

/** The form's org, when the caller sees it (404 otherwise), else the caller's current org. */
export function builderOrg(caller: Caller, fields: Fields): { id: string; name: string } {
  const id = one(fields.orgId);
  const org = id ? requireOrg(caller, id) : defaultOrg(caller);
  if (!org) throw notFound('organization');
  return org;
}

/** Form fields → the preview: YAML and findings, or the first problem named as the input is named. */
export async function previewOf(deps: Pick<AppDeps, 'db'>, caller: Caller, fields: Fields): Promise<BuilderPreviewProps> {
  const org = builderOrg(caller, fields);
  const { input, fieldOf } = builderInputFromFields(fields);
  const res = await renderBuilder(deps.db, org.id, caller.scopeOrgIds, input, environmentOf(fields));
  return res.ok ? { ok: true, yaml: res.yaml, findings: res.findings } : { ok: false, field: fieldOf(res.field), message: res.message };
}

export async function builderPage(deps: Pick<AppDeps, 'db'>, caller: Caller, values: BuilderValues, preview: BuilderPreviewProps): Promise<JSX.Element> {
  const org = builderOrg(caller, values);
  const orgs = caller.orgs.filter((o) => caller.scopeOrgIds.includes(o.id) && roleAtLeast(o.role, 'member'));
  const clusters = (await listScopeClusters(deps.db, caller.scopeOrgIds, { limit: 500 })).map((c) => ({ id: c.id, name: c.name, environment: c.environment }));
  return (
    <BuilderPage
      values={{ orgId: org.id, ...values }}
      choices={{ orgs: orgs.map((o) => ({ id: o.id, name: o.name })), registries: await usableRegistries(deps.db, org.id, caller.scopeOrgIds), clusters }}
      preview={preview}
      csrfToken={caller.session?.csrfToken ?? ''}
      canCreate={orgs.length > 0}
    />
  );
}

export function builderPages(deps: AppDeps) {
  const { db } = deps;
  return new Elysia({ name: 'deployments-builder-pages' })
    .get('/deployments/new', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const values = { ...NEW_BUILDER_VALUES };
      const body = await builderPage(deps, caller, values, await previewOf(deps, caller, values));
      return renderPage(caller, ctx.cookie, { title: 'New deployment', active: 'deployments', body });
    })
    .post(
      '/deployments/new',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const fields = ctx.body;
        const org = builderOrg(caller, fields);
        requireOrg(caller, org.id, 'member');
        const { input, fieldOf } = builderInputFromFields(fields);
        const rendered = await renderBuilder(db, org.id, caller.scopeOrgIds, input, environmentOf(fields));
        // A refusal shows the page again with what was typed and the problem beside it (422: nothing was created).
        const again = async (preview: BuilderPreviewProps, message: string) => {
          setFlash(ctx.cookie, { kind: 'error', text: message });
          ctx.set.status = 422;
          return renderPage(caller, ctx.cookie, { title: 'New deployment', active: 'deployments', body: await builderPage(deps, caller, fields, preview) });
        };
        if (!rendered.ok) {
          const field = fieldOf(rendered.field);
          return again({ ok: false, field, message: rendered.message }, `${field}: ${rendered.message}`);
        }
        const created = await createDeployment(db, actorOf(caller, ctx, deps.config.trustProxy), {
          orgId: org.id,
          name: rendered.form.name,
          namespace: rendered.form.namespace,
          manifests: rendered.yaml,
          source: 'builder',
          builderForm: rendered.form,
          targets: { clusterIds: many(fields['targets.clusterIds']), environments: many(fields['targets.environments']) },
        });
        if (!created.ok) return again({ ok: true, yaml: rendered.yaml, findings: rendered.findings }, `${created.field}: ${created.message}`);
        setFlash(ctx.cookie, { kind: 'ok', text: `Deployment "${created.deployment.name}" created (revision 1). Apply it to its clusters when ready.` });
        return redirect(`/deployments/${created.deployment.id}`);
      },
      { body: BuilderFormBody },
    )
    .post(
      '/deployments/new/preview',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        return <BuilderPreview {...(await previewOf(deps, caller, ctx.body))} />;
      },
      { body: BuilderFormBody },
    );
}
