// JSON API of the deployment builder: POST /v1/deployments/render turns a builder form into its YAML, objects
// and build-time policy findings, saving and applying nothing.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { requireCaller } from '../http/caller';
import { badRequest, notFound } from '../http/errors';
import { Exact, OneOf } from '../http/responses';
import { ENVIRONMENTS } from '../clusters/vocabulary';
import { defaultOrg, requireOrg } from '../orgs/access';
import { SEVERITIES, POLICY_CATEGORIES, RULE_IDS } from '../policies/vocabulary';
import { BuilderForm } from './builder';
import { renderBuilder } from './builder-render';

export const BuildFindingJson = Exact({
  workload: t.String({ description: 'namespace/Kind/name' }),
  ruleId: OneOf(RULE_IDS),
  category: OneOf(POLICY_CATEGORIES),
  severity: OneOf(SEVERITIES, { description: 'As the chosen environment sets it' }),
  title: t.String(),
  message: t.String(),
  containers: t.Array(t.String()),
  why: t.String(),
  fix: t.String({ description: 'YAML that fixes it' }),
});

export const RenderJson = Exact({
  yaml: t.String({ description: 'The objects as multi-document YAML (pull Secrets as references: filled only when delivered to a cluster)' }),
  objects: t.Array(t.Record(t.String(), t.Unknown())),
  findings: t.Array(BuildFindingJson),
});

export function builderApi(deps: AppDeps) {
  const { db } = deps;
  return new Elysia({ name: 'deployments-builder-api', prefix: '/v1' }).post(
    '/deployments/render',
    async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const org = ctx.query.org ? requireOrg(caller, ctx.query.org) : defaultOrg(caller);
      if (!org) throw notFound('organization');
      const res = await renderBuilder(db, org.id, caller.scopeOrgIds, ctx.body, ctx.query.environment ?? 'production');
      if (!res.ok) {
        // A field the body did not carry (a required one left out) is named under `body`.
        const sent = Object.keys(ctx.body).includes(res.field.split('.')[0]);
        throw badRequest(`${sent || res.field === 'body' ? res.field : `body.${res.field}`}: ${res.message}`);
      }
      return { yaml: res.yaml, objects: res.objects, findings: res.findings };
    },
    {
      query: t.Object({
        org: t.Optional(
          t.String({ maxLength: 64, description: 'The org the deployment is for (its registries and policy settings); default the current org' }),
        ),
        environment: t.Optional(OneOf(ENVIRONMENTS, { description: 'Severities as for clusters of this environment (default production)' })),
      }),
      // Checked by the builder itself (src/deployments/builder.ts), so refusals name the field as the form does.
      body: t.Record(t.String(), t.Unknown()),
      response: { 200: RenderJson },
      detail: {
        tags: ['deployments'],
        summary: 'Render a builder form: its YAML, objects and build-time policy findings (nothing is saved or applied)',
        requestBody: { required: true, content: { 'application/json': { schema: BuilderForm as never } } },
      },
    },
  );
}
