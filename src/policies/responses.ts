// What the policies API answers: the rules catalogue, findings of the caller's clusters, org settings, waivers.
import { t } from 'elysia';
import { Exact, Nullable, OneOf, OneOfOrNull, Page, Timestamp } from '../http/responses';
import { ENVIRONMENTS } from '../clusters/vocabulary';
import { SEVERITIES } from './severity';
import { RESOLUTIONS } from './schema';
import { POLICY_CATEGORIES, RULE_IDS } from './vocabulary';

const SeverityT = OneOf(SEVERITIES);

export const RuleJson = Exact({
  id: OneOf(RULE_IDS),
  category: OneOf(POLICY_CATEGORIES),
  severity: OneOf(SEVERITIES, { description: 'Base severity; production raises it one step, dev lowers it one step' }),
  severityByEnvironment: Exact(
    { production: SeverityT, staging: SeverityT, dev: SeverityT, unspecified: SeverityT },
    { description: 'The severity a finding of this rule has on a cluster of each environment' },
  ),
  title: t.String(),
  why: t.String({ description: 'Why it matters' }),
  fix: t.String({ description: 'YAML that fixes it (a snippet of the pod template or workload)' }),
  source: t.String({ description: 'Where the rule comes from: PSS baseline, PSS restricted, Polaris' }),
});
export type RuleJson = typeof RuleJson.static;

export const RuleCatalogue = Exact({ rules: t.Array(RuleJson) });
export type RuleCatalogue = typeof RuleCatalogue.static;

const WorkloadJson = Exact({
  namespace: t.String(),
  kind: t.String(),
  name: t.String(),
  subject: t.String({ description: '"namespace/Kind/name"' }),
});

const WaiverRef = Exact({ id: t.String(), reason: t.String(), expiresAt: Timestamp });

export const FindingJson = Exact({
  id: t.String(),
  cluster: Exact({ id: t.String(), name: t.String(), orgId: t.String(), environment: OneOf(ENVIRONMENTS) }),
  workload: WorkloadJson,
  rule: OneOf(RULE_IDS),
  category: OneOf(POLICY_CATEGORIES),
  severity: OneOf(SEVERITIES, { description: 'The rule’s base severity adjusted by the cluster’s environment' }),
  title: t.String(),
  message: t.String({ description: 'What exactly is wrong, naming the containers' }),
  containers: t.Array(t.String()),
  why: t.String(),
  fix: t.String({ description: 'YAML that fixes it' }),
  firstSeenAt: Timestamp,
  lastSeenAt: Timestamp,
  resolvedAt: Nullable(Timestamp),
  resolution: OneOfOrNull(RESOLUTIONS, { description: 'Why it stopped being open: fixed, workload_removed, rule_disabled, exempt; null while open' }),
  waiver: Nullable(WaiverRef, { description: 'The waiver in force now, if any' }),
});
export type FindingJson = typeof FindingJson.static;

export const FindingPage = Page('findings', FindingJson);
export type FindingPage = typeof FindingPage.static;

export const PolicySettingsJson = Exact({
  orgId: t.String(),
  own: Exact({
    disabledRules: t.Array(OneOf(RULE_IDS), { description: 'Rules this org turned off (for itself and its subtree)' }),
    exemptNamespaces: Nullable(t.Array(t.String()), { description: 'This org’s exempt namespaces; null = inherited' }),
  }),
  effective: Exact({
    disabledRules: t.Array(OneOf(RULE_IDS), { description: 'Off here: turned off by this org or any ancestor' }),
    exemptNamespaces: t.Array(t.String(), { description: 'From the nearest org that set a list, else kube-system and niro-system' }),
  }),
});
export type PolicySettingsJson = typeof PolicySettingsJson.static;

export const WaiverJson = Exact({
  id: t.String(),
  cluster: Exact({ id: t.String(), name: t.String() }),
  workload: WorkloadJson,
  rule: OneOf(RULE_IDS),
  reason: t.String(),
  expiresAt: Timestamp,
  createdAt: Timestamp,
});
export type WaiverJson = typeof WaiverJson.static;

export const WaiverList = Exact({ waivers: t.Array(WaiverJson) });
export type WaiverList = typeof WaiverList.static;
