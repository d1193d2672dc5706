// /policies: open findings of the clusters in the caller's scope by rule, workload or cluster, with
// severity, environment and waived filters, why each matters and its fix; the waive action; the rules
// catalogue with an org's toggles and exempt namespaces. Also the pod drawer's findings (loadPodFindings).
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { redirect, renderPage, setFlash } from '../http/page';
import { badRequest, notFound } from '../http/errors';
import { findCluster } from '../clusters/store';
import { requireCluster } from '../clusters/access';
import { ENVIRONMENTS, type Environment } from '../clusters/vocabulary';
import { requireOrg } from '../orgs/access';
import { roleAtLeast } from '../orgs/store';
import { PoliciesPage, POLICY_VIEWS, policiesQuery, type PolicyFilters, type PolicyView } from '../../views/policies/page';
import type { RulesTabProps } from '../../views/policies/rules';
import { WAIVER_DAYS } from '../../views/policies/findings';
import type { Db } from '../db/client';
import { RULES } from './engine';
import { findingView } from './view-model';
import { MAX_EXEMPT_NAMESPACES, changePolicySettings, checkWaiver, parseWorkloadSubject, waiveFinding } from './service';
import { SEVERITIES, SEVERITY_BY_ENVIRONMENT, type Severity } from './severity';
import { countOpenFindings, findFinding, findOrgSettings, listFindings, loadEffectiveSettings } from './store';
import { RULE_IDS, type RuleId } from './vocabulary';

/** Findings the page shows at most; the API pages through the rest. */
const PAGE_FINDINGS = 500;
const NAMESPACE_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const pick = <T extends string>(v: string | undefined, allowed: readonly T[], fallback: T): T =>
  (allowed as readonly string[]).includes(v ?? '') ? (v as T) : fallback;

function readFilters(q: Record<string, string | undefined>): { view: PolicyView; filters: PolicyFilters } {
  return {
    view: pick(q.view, POLICY_VIEWS, 'rule'),
    filters: {
      severity: pick<Severity | ''>(q.severity, SEVERITIES, ''),
      environment: pick<Environment | ''>(q.environment, ENVIRONMENTS, ''),
      waived: pick(q.waived, ['include', 'exclude', 'only'] as const, 'include'),
      cluster: q.cluster ?? '',
      workload: q.workload && parseWorkloadSubject(q.workload) ? q.workload : '',
    },
  };
}

async function loadRulesTab(db: Db, caller: Caller, orgId: string | undefined): Promise<RulesTabProps> {
  const orgs = caller.orgs.filter((o) => caller.scopeOrgIds.includes(o.id));
  const org = orgs.find((o) => o.id === orgId) ?? caller.currentOrg ?? orgs[0] ?? null;
  const [own, effective] = org ? await Promise.all([findOrgSettings(db, org.id), loadEffectiveSettings(db, org.id)]) : [null, null];
  return {
    rules: RULES.map((r) => ({
      ...r,
      byEnvironment: Object.fromEntries(ENVIRONMENTS.map((e) => [e, SEVERITY_BY_ENVIRONMENT[e][r.severity]])) as Record<Environment, Severity>,
    })),
    orgs: orgs.map((o) => ({ id: o.id, name: o.name })),
    org: org ? { id: org.id, name: org.name, canEdit: roleAtLeast(org.role, 'admin') } : null,
    own: { disabledRules: own?.disabledRules ?? [], exemptNamespaces: own?.exemptNamespaces ?? null },
    effective: { disabledRules: RULE_IDS.filter((r) => effective?.disabled.has(r)), exemptNamespaces: effective?.exemptNamespaces ?? [] },
    csrfToken: caller.session?.csrfToken ?? '',
  };
}

/** Only our own pages are places to go back to (never an open redirect). */
function safeBack(back: string | undefined): string {
  return back && /^\/(policies|pods)(\?|$|\/)/.test(back) ? back : '/policies';
}

const SettingsBody = t.Object(
  {
    _csrf: t.Optional(t.String()),
    orgId: t.String({ maxLength: 64 }),
    inherit: t.Optional(t.Literal('on')),
    exempt: t.Optional(t.String({ maxLength: 3000 })),
    ...Object.fromEntries(RULE_IDS.map((id) => [`rule:${id}`, t.Optional(t.Literal('on'))])),
  },
  { additionalProperties: false },
);

export function policiesPages(deps: AppDeps) {
  const { db, config } = deps;
  return new Elysia({ name: 'policies-pages' })
    .get(
      '/policies',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { view, filters } = readFilters(ctx.query);
        const now = new Date();
        // A cluster outside the scope narrows to nothing: the page never says whether it exists.
        const cluster = filters.cluster ? await findCluster(db, filters.cluster, caller.scopeOrgIds) : null;
        const scope = filters.cluster && !cluster ? [] : caller.scopeOrgIds;
        const [rows, counts, rules] = await Promise.all([
          view === 'rules'
            ? Promise.resolve([])
            : listFindings(
                db,
                scope,
                {
                  clusterId: cluster?.id,
                  severity: filters.severity || undefined,
                  environment: filters.environment || undefined,
                  waived: filters.waived,
                  workload: filters.workload ? (parseWorkloadSubject(filters.workload) ?? undefined) : undefined,
                },
                { limit: PAGE_FINDINGS + 1 },
                now,
              ),
          countOpenFindings(db, caller.scopeOrgIds, now),
          view === 'rules' ? loadRulesTab(db, caller, ctx.query.org) : Promise.resolve(null),
        ]);
        const memberOrgs = new Set(caller.orgs.filter((o) => roleAtLeast(o.role, 'member')).map((o) => o.id));
        const body = (
          <PoliciesPage
            view={view}
            filters={filters}
            clusterName={cluster?.name ?? null}
            findings={rows.slice(0, PAGE_FINDINGS).map(findingView)}
            truncated={rows.length > PAGE_FINDINGS}
            counts={counts}
            back={policiesQuery(view, filters)}
            csrfToken={caller.session?.csrfToken ?? ''}
            waivableClusters={new Set(rows.filter((r) => memberOrgs.has(r.orgId)).map((r) => r.clusterId))}
            rules={rules}
          />
        );
        return renderPage(caller, ctx.cookie, { title: 'Policies', active: 'policies', body });
      },
      {
        query: t.Object({
          view: t.Optional(t.String({ maxLength: 20 })),
          severity: t.Optional(t.String({ maxLength: 20 })),
          environment: t.Optional(t.String({ maxLength: 20 })),
          waived: t.Optional(t.String({ maxLength: 20 })),
          cluster: t.Optional(t.String({ maxLength: 64 })),
          workload: t.Optional(t.String({ maxLength: 400 })),
          org: t.Optional(t.String({ maxLength: 64 })),
        }),
      },
    )
    .post(
      '/policies/findings/:id/waive',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const f = await findFinding(db, ctx.params.id, caller.scopeOrgIds);
        if (!f) throw notFound('finding');
        const { cluster } = await requireCluster(db, caller, f.clusterId, 'member');
        const days = Number(ctx.body.days);
        if (!(WAIVER_DAYS as readonly number[]).includes(days)) throw badRequest(`days: must be one of ${WAIVER_DAYS.join(', ')}`);
        const now = new Date();
        const checked = checkWaiver({ reason: ctx.body.reason, expiresAt: new Date(now.getTime() + days * 86_400_000) }, now);
        const back = safeBack(ctx.body.back);
        if (!checked.ok) {
          setFlash(ctx.cookie, { kind: 'error', text: checked.message.replace(/^reason: /, 'Reason: ') });
          return redirect(back);
        }
        const workload = { namespace: f.namespace, kind: f.workloadKind, name: f.workloadName };
        await waiveFinding(
          db,
          actorOf(caller, ctx, config.trustProxy),
          { cluster, workload, ruleId: f.ruleId, reason: checked.reason, expiresAt: checked.expiresAt },
          now,
        );
        setFlash(ctx.cookie, { kind: 'ok', text: `Waived ${f.ruleId} on ${f.namespace}/${f.workloadKind}/${f.workloadName} for ${days} days.` });
        return redirect(back);
      },
      {
        body: t.Object(
          {
            _csrf: t.Optional(t.String()),
            reason: t.String({ maxLength: 2000 }),
            days: t.String({ maxLength: 4 }),
            back: t.Optional(t.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
      },
    )
    .post(
      '/policies/settings',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.body.orgId, 'admin');
        const body = ctx.body as Record<string, string | undefined>;
        const disabledRules = RULE_IDS.filter((id) => body[`rule:${id}`] !== 'on') as RuleId[];
        // A rule an ancestor turned off arrives unchecked (its box is disabled): it is not this org's to keep.
        const effective = await loadEffectiveSettings(db, org.id);
        const own = await findOrgSettings(db, org.id);
        const inheritedOff = RULE_IDS.filter((r) => effective.disabled.has(r) && !(own?.disabledRules ?? []).includes(r));
        let exemptNamespaces: string[] | null = null;
        if (ctx.body.inherit !== 'on') {
          exemptNamespaces = (ctx.body.exempt ?? '').split(/[\s,]+/).filter(Boolean);
          const bad = exemptNamespaces.find((n) => !NAMESPACE_RE.test(n) || n.length > 63);
          if (bad !== undefined) throw badRequest(`exempt: "${bad.slice(0, 70)}" is not a namespace name`);
          if (exemptNamespaces.length > MAX_EXEMPT_NAMESPACES) throw badRequest(`exempt: at most ${MAX_EXEMPT_NAMESPACES} namespaces`);
        }
        const res = await changePolicySettings(
          db,
          actorOf(caller, ctx, config.trustProxy),
          org,
          { disabledRules: disabledRules.filter((r) => !inheritedOff.includes(r)), exemptNamespaces },
          new Date(),
        );
        setFlash(ctx.cookie, { kind: 'ok', text: res.changed ? `Rules saved; ${res.clusters} cluster(s) re-evaluated.` : 'Nothing changed.' });
        return redirect(`/policies?view=rules&org=${org.id}`);
      },
      { body: SettingsBody },
    );
}
