// The agent's RBAC posture: the read-only ClusterRole of the seeds plus the installer's opt-in grants,
// evaluated the way the API server's RBAC authorizer does (rules are additive; no rule means Forbidden).
import type { KubeObject } from './store.ts';

export type RbacGrants = {
  /** NIRO_ENABLE_LOGS: pods/log get (and pod metrics). */
  logs: boolean;
  /** NIRO_ENABLE_APPLY: write on managed namespaced resources; never namespace delete. */
  apply: boolean;
  /** NIRO_ENABLE_SELF_UPDATE: patch of Deployment niro-agent in niro-system only. */
  selfUpdate: boolean;
  /** PodDisruptionBudgets readable: in the default role since protocol 4; false = a role installed before. */
  pdbs: boolean;
};

export const DEFAULT_GRANTS: RbacGrants = { logs: false, apply: false, selfUpdate: false, pdbs: true };

export const AGENT_NAMESPACE = 'niro-system';
export const AGENT_NAME = 'niro-agent';

export type PolicyRule = {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
  /** Set when the rule comes from a RoleBinding: it applies in this namespace only. */
  namespace?: string;
};

export type RequestAttributes = {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
};

export type UserInfo = { username: string; groups: string[]; admin: boolean };

export const AGENT_USER: UserInfo = {
  username: `system:serviceaccount:${AGENT_NAMESPACE}:${AGENT_NAME}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${AGENT_NAMESPACE}`, 'system:authenticated'],
  admin: false,
};

export const ADMIN_USER: UserInfo = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'], admin: true };

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete'];

// What "managed resources" means for the apply grant: the namespaced kinds a Niro deployment may contain.
const MANAGED: { group: string; resources: string[] }[] = [
  { group: '', resources: ['configmaps', 'secrets', 'services', 'serviceaccounts'] },
  { group: 'apps', resources: ['deployments', 'statefulsets', 'daemonsets'] },
  { group: 'batch', resources: ['jobs', 'cronjobs'] },
  { group: 'networking.k8s.io', resources: ['ingresses'] },
  { group: 'policy', resources: ['poddisruptionbudgets'] },
];

/** The agent's rules for a posture; mirrors the ClusterRoles/Roles the installer creates. */
export function buildAgentRules(grants: RbacGrants): PolicyRule[] {
  const rules: PolicyRule[] = [
    { apiGroups: [''], resources: ['nodes', 'pods', 'namespaces', 'events'], verbs: READ },
    { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: READ },
    // So a CronJob's pods resolve through their Job to the CronJob.
    { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: READ },
    ...(grants.pdbs ? [{ apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: READ }] : []),
    { apiGroups: ['metrics.k8s.io'], resources: ['nodes', 'pods'], verbs: ['get', 'list'] },
    // The agent keeps its key in a Secret of its own namespace, whatever else is granted.
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update', 'patch'], namespace: AGENT_NAMESPACE },
  ];
  if (grants.logs) {
    rules.push({ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] });
    rules.push({ apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get', 'list'] });
  }
  if (grants.apply) {
    for (const m of MANAGED) rules.push({ apiGroups: [m.group], resources: m.resources, verbs: [...READ, ...WRITE] });
    // Applying a manifest may create its namespace; deleting one is never granted.
    rules.push({ apiGroups: [''], resources: ['namespaces'], verbs: ['create', 'patch', 'update'] });
  }
  if (grants.selfUpdate) {
    rules.push({ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'], resourceNames: [AGENT_NAME], namespace: AGENT_NAMESPACE });
  }
  return rules;
}

function matches(list: string[], value: string): boolean {
  return list.includes('*') || list.includes(value);
}

export function ruleAllows(rule: PolicyRule, attrs: RequestAttributes): boolean {
  if (rule.namespace !== undefined && rule.namespace !== attrs.namespace) return false;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  if (!matches(rule.apiGroups, attrs.group) || !matches(rule.verbs, attrs.verb) || !matches(rule.resources, resource)) return false;
  // resourceNames never match collection verbs (list/create without a name), exactly like the real authorizer.
  if (rule.resourceNames && rule.resourceNames.length > 0) return attrs.name !== undefined && rule.resourceNames.includes(attrs.name);
  return true;
}

export function authorize(user: UserInfo, rules: PolicyRule[], attrs: RequestAttributes): boolean {
  return user.admin || rules.some((rule) => ruleAllows(rule, attrs));
}

/** The API server's wording, e.g. `pods "x" is forbidden: User "…" cannot get resource "pods/log" in API group "" in the namespace "ns"`. */
export function describeDenial(user: UserInfo, attrs: RequestAttributes): string {
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const qualified = attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource;
  const subject = attrs.name ? `${qualified} "${attrs.name}"` : qualified;
  const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  return `${subject} is forbidden: User "${user.username}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group}" ${scope}`;
}

/** Rules that hold in one namespace, for SelfSubjectRulesReview (`kubectl auth can-i --list`). */
export function rulesInNamespace(rules: PolicyRule[], namespace: string): object[] {
  const own = rules
    .filter((r) => r.namespace === undefined || r.namespace === namespace)
    .map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) }));
  // Every authenticated user may review its own access (system:basic-user).
  own.push({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] });
  own.push({ verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] });
  return own;
}

type Subject = { kind?: string; name?: string; namespace?: string };
type StoredRule = { apiGroups?: string[]; resources?: string[]; verbs?: string[]; resourceNames?: string[] };

/**
 * Rules granted to a service account by RBAC objects stored in the simulator (what `kubectl apply` of the
 * installer's manifests creates), so the installer's bindings take effect like on a real cluster.
 * Bindings and roles are stored JSON from API clients: every field is read defensively.
 */
export function rulesFromBindings(
  user: UserInfo,
  bindings: KubeObject[],
  findRole: (kind: string, namespace: string | undefined, name: string) => KubeObject | null,
): PolicyRule[] {
  const [, , saNamespace, saName] = user.username.split(':');
  const out: PolicyRule[] = [];
  for (const binding of bindings) {
    const namespace = binding.metadata.namespace;
    const roleRef = (binding.roleRef ?? {}) as { kind?: string; name?: string };
    const subjects = (Array.isArray(binding.subjects) ? binding.subjects : []) as Subject[];
    const bound = subjects.some(
      (s) =>
        (s.kind === 'ServiceAccount' && s.name === saName && (s.namespace ?? namespace) === saNamespace) ||
        (s.kind === 'User' && s.name === user.username) ||
        (s.kind === 'Group' && s.name !== undefined && user.groups.includes(s.name)),
    );
    if (!bound || !roleRef.kind || !roleRef.name) continue;
    const role = findRole(roleRef.kind, roleRef.kind === 'Role' ? namespace : undefined, roleRef.name);
    const rules = (Array.isArray(role?.rules) ? role.rules : []) as StoredRule[];
    for (const rule of rules) {
      out.push({
        apiGroups: rule.apiGroups ?? [],
        resources: rule.resources ?? [],
        verbs: rule.verbs ?? [],
        ...(rule.resourceNames ? { resourceNames: rule.resourceNames } : {}),
        ...(namespace ? { namespace } : {}),
      });
    }
  }
  return out;
}
