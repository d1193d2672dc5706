// JSON API for policies (curl users): the rules catalogue, findings of the caller's clusters (filters,
// keyset pages), an org's rule toggles and exempt namespaces, and waivers. Another org's finding,
// cluster, org or waiver answers 404.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { findCluster } from '../clusters/store';
import { requireCluster } from '../clusters/access';
import { ENVIRONMENTS } from '../clusters/vocabulary';
import { actorOf, requireCaller } from '../http/caller';
import { PageCursor, PageLimit, decodeCursor, encodeCursor } from '../http/cursor';
import { badRequest, notFound } from '../http/errors';
import { NoContent, OneOf } from '../http/responses';
import { requireOrg } from '../orgs/access';
import { RULES } from './engine';
import { findingJson, ruleJson, waiverJson } from './json';
import { FindingJson, FindingPage, PolicySettingsJson, RuleCatalogue, WaiverJson, WaiverList } from './responses';
import { MAX_EXEMPT_NAMESPACES, changePolicySettings, checkWaiver, parseWorkloadSubject, revokePolicyWaiver, waiveFinding } from './service';
import { SEVERITIES } from './severity';
import { findFinding, findOrgSettings, findWaiver, listActiveWaivers, listFindings, loadEffectiveSettings, type FindingFilter } from './store';
import { POLICY_CATEGORIES, RULE_IDS } from './vocabulary';

const NAMESPACE = t.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' });

export function policiesApi(deps: AppDeps) {
  const { db, config } = deps;
  return new Elysia({ name: 'policies-api', prefix: '/v1' })
    .get('/policies/rules', () => ({ rules: RULES.map(ruleJson) }), {
      response: { 200: RuleCatalogue },
      detail: { tags: ['policies'], summary: 'Every rule: id, category, base severity and by environment, why it matters, the YAML that fixes it' },
    })
    .get(
      '/policies/findings',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const q = ctx.query;
        const cluster = q.cluster ? await findCluster(db, q.cluster, caller.scopeOrgIds) : null;
        if (q.cluster && !cluster) throw notFound('cluster');
        const workload = q.workload === undefined ? undefined : parseWorkloadSubject(q.workload);
        if (workload === null) throw badRequest('workload: must be "namespace/Kind/name"');
        const limit = q.limit ?? 50;
        let before: { at: Date; id: string } | undefined;
        if (q.cursor) {
          const [at, id] = decodeCursor(q.cursor, ['time', 'uuid']);
          before = { at, id };
        }
        const filter: FindingFilter = {
          state: q.state,
          clusterId: cluster?.id,
          severity: q.severity,
          environment: q.environment,
          category: q.category,
          ruleId: q.rule,
          workload,
          waived: q.waived,
        };
        const rows = await listFindings(db, caller.scopeOrgIds, filter, { limit, before }, new Date());
        const last = rows[rows.length - 1];
        return { findings: rows.map(findingJson), nextCursor: rows.length === limit ? encodeCursor([last.firstSeenAt.toISOString(), last.id]) : null };
      },
      {
        query: t.Object({
          state: t.Optional(OneOf(['open', 'resolved'] as const, { description: 'open (default) or resolved (history)' })),
          cluster: t.Optional(t.String({ maxLength: 64, description: 'Only this cluster’s findings' })),
          severity: t.Optional(OneOf(SEVERITIES)),
          environment: t.Optional(OneOf(ENVIRONMENTS, { description: 'Only clusters of this environment' })),
          category: t.Optional(OneOf(POLICY_CATEGORIES)),
          rule: t.Optional(OneOf(RULE_IDS)),
          workload: t.Optional(t.String({ maxLength: 400, description: '"namespace/Kind/name"' })),
          waived: t.Optional(OneOf(['include', 'exclude', 'only'] as const, { description: 'Findings waived now: include (default), exclude, only' })),
          limit: PageLimit(200),
          cursor: PageCursor,
        }),
        response: { 200: FindingPage },
        detail: { tags: ['policies'], summary: 'Policy findings of the clusters in the caller’s orgs, newest first, with why and the fix' },
      },
    )
    .get(
      '/policies/findings/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const f = await findFinding(db, ctx.params.id, caller.scopeOrgIds);
        if (!f) throw notFound('finding');
        const [row] = await listFindings(db, [f.orgId], { id: f.id, state: f.resolvedAt ? 'resolved' : 'open' }, { limit: 1 }, new Date());
        return findingJson(row);
      },
      { response: { 200: FindingJson }, detail: { tags: ['policies'], summary: 'One finding' } },
    )
    .get(
      '/orgs/:id/policy-settings',
      async (ctx) => {
        const org = requireOrg(await requireCaller(db, ctx), ctx.params.id);
        const [own, effective] = await Promise.all([findOrgSettings(db, org.id), loadEffectiveSettings(db, org.id)]);
        return {
          orgId: org.id,
          own: { disabledRules: own?.disabledRules ?? [], exemptNamespaces: own?.exemptNamespaces ?? null },
          effective: { disabledRules: RULE_IDS.filter((r) => effective.disabled.has(r)), exemptNamespaces: effective.exemptNamespaces },
        };
      },
      {
        response: { 200: PolicySettingsJson },
        detail: { tags: ['policies'], summary: 'An org’s own rule toggles and exempt namespaces, and what applies there' },
      },
    )
    .put(
      '/orgs/:id/policy-settings',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.params.id, 'admin');
        await changePolicySettings(db, actorOf(caller, ctx, config.trustProxy), org, ctx.body, new Date());
        const effective = await loadEffectiveSettings(db, org.id);
        const own = await findOrgSettings(db, org.id);
        return {
          orgId: org.id,
          own: { disabledRules: own?.disabledRules ?? [], exemptNamespaces: own?.exemptNamespaces ?? null },
          effective: { disabledRules: RULE_IDS.filter((r) => effective.disabled.has(r)), exemptNamespaces: effective.exemptNamespaces },
        };
      },
      {
        body: t.Object(
          {
            disabledRules: t.Array(OneOf(RULE_IDS), { maxItems: RULE_IDS.length, description: 'Rules off for this org and its subtree' }),
            exemptNamespaces: t.Union([t.Array(NAMESPACE, { maxItems: MAX_EXEMPT_NAMESPACES }), t.Null()], {
              description: 'Namespaces no rule applies to in this org’s subtree; null inherits (default kube-system, niro-system)',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 200: PolicySettingsJson },
        detail: { tags: ['policies'], summary: 'Set an org’s rule toggles and exempt namespaces (admin); its clusters are re-evaluated' },
      },
    )
    .get(
      '/policies/waivers',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const cluster = ctx.query.cluster ? await findCluster(db, ctx.query.cluster, caller.scopeOrgIds) : null;
        if (ctx.query.cluster && !cluster) throw notFound('cluster');
        const rows = await listActiveWaivers(db, caller.scopeOrgIds, new Date(), ctx.query.limit ?? 200, cluster?.id);
        return { waivers: rows.map(waiverJson) };
      },
      {
        query: t.Object({ cluster: t.Optional(t.String({ maxLength: 64 })), limit: PageLimit(500) }),
        response: { 200: WaiverList },
        detail: { tags: ['policies'], summary: 'Waivers in force, soonest to expire first' },
      },
    )
    .post(
      '/policies/waivers',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const f = await findFinding(db, ctx.body.findingId, caller.scopeOrgIds);
        if (!f) throw notFound('finding');
        const now = new Date();
        const checked = checkWaiver({ reason: ctx.body.reason, expiresAt: new Date(ctx.body.expiresAt) }, now);
        if (!checked.ok) throw badRequest(checked.message);
        const { cluster } = await requireCluster(db, caller, f.clusterId, 'member');
        const w = await waiveFinding(
          db,
          actorOf(caller, ctx, config.trustProxy),
          {
            cluster,
            workload: { namespace: f.namespace, kind: f.workloadKind, name: f.workloadName },
            ruleId: f.ruleId,
            reason: checked.reason,
            expiresAt: checked.expiresAt,
          },
          now,
        );
        ctx.set.status = 201;
        return waiverJson({ ...w, clusterName: cluster.name, orgId: cluster.orgId });
      },
      {
        body: t.Object(
          {
            findingId: t.String({ maxLength: 64, description: 'The finding whose rule is waived for its workload' }),
            reason: t.String({ maxLength: 2000, description: 'Why it is accepted (1–500 characters)' }),
            expiresAt: t.String({ format: 'date-time', description: 'When the waiver ends (at most 365 days ahead)' }),
          },
          { additionalProperties: false },
        ),
        response: { 201: WaiverJson },
        detail: { tags: ['policies'], summary: 'Waive a finding’s rule for its workload until a date, with a reason (member)' },
      },
    )
    .delete(
      '/policies/waivers/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const w = await findWaiver(db, ctx.params.id, caller.scopeOrgIds);
        if (!w || w.revokedAt) throw notFound('waiver');
        await requireCluster(db, caller, w.clusterId, 'member');
        await revokePolicyWaiver(db, actorOf(caller, ctx, config.trustProxy), w, new Date());
        ctx.set.status = 204;
        return '';
      },
      { detail: { tags: ['policies'], summary: 'End a waiver now (member)', responses: { 204: NoContent('Revoked') } } },
    );
}
