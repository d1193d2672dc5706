// "May I?" and "who am I?": SelfSubjectAccessReview, SelfSubjectRulesReview (`kubectl auth can-i [--list]`)
// and SelfSubjectReview (`kubectl auth whoami`), answered from the same rules that authorize every request.
import { respondJson } from './http.ts';
import { authorize, type PolicyRule, rulesInNamespace, type UserInfo } from './rbac.ts';
import { badRequest, type ApiError } from './status.ts';

// Non-resource URLs every authenticated user may GET (system:discovery, system:public-info-viewer).
const PUBLIC_PATHS = ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'];

export function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path === p));
}

type AccessSpec = {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
};

export type ReviewResult = { ok: true; response: Response } | { ok: false; error: ApiError };

export function reviewAccess(user: UserInfo, rules: PolicyRule[], body: unknown): ReviewResult {
  const spec = ((body as { spec?: AccessSpec } | null)?.spec ?? null) as AccessSpec | null;
  if (!spec || (!spec.resourceAttributes && !spec.nonResourceAttributes)) {
    return {
      ok: false,
      error: {
        code: 422,
        reason: 'Invalid',
        message:
          'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      },
    };
  }
  let allowed: boolean;
  if (spec.resourceAttributes) {
    const a = spec.resourceAttributes;
    allowed = authorize(user, rules, {
      verb: a.verb ?? '',
      group: a.group ?? '',
      resource: a.resource ?? '',
      ...(a.subresource ? { subresource: a.subresource } : {}),
      ...(a.namespace ? { namespace: a.namespace } : {}),
      ...(a.name ? { name: a.name } : {}),
    });
  } else {
    const n = spec.nonResourceAttributes ?? {};
    allowed = user.admin || (n.verb === 'get' && isPublicPath(n.path ?? ''));
  }
  const reason = allowed
    ? user.admin
      ? ''
      : `RBAC: allowed by ClusterRoleBinding "niro-agent" of ClusterRole "niro-agent" to ServiceAccount "niro-agent/niro-system"`
    : '';
  return {
    ok: true,
    response: respondJson(
      {
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec,
        status: { allowed, ...(reason ? { reason } : {}) },
      },
      201,
    ),
  };
}

export function reviewRules(user: UserInfo, rules: PolicyRule[], body: unknown): ReviewResult {
  const namespace = (body as { spec?: { namespace?: string } } | null)?.spec?.namespace;
  if (namespace === undefined) return { ok: false, error: badRequest('no namespace on request') };
  const resourceRules = user.admin ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] : rulesInNamespace(rules, namespace);
  return {
    ok: true,
    response: respondJson(
      {
        kind: 'SelfSubjectRulesReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: { namespace },
        status: {
          resourceRules,
          nonResourceRules: [{ verbs: user.admin ? ['*'] : ['get'], nonResourceURLs: user.admin ? ['*'] : PUBLIC_PATHS }],
          incomplete: false,
        },
      },
      201,
    ),
  };
}

export function reviewSelf(user: UserInfo): Response {
  return respondJson(
    {
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      status: { userInfo: { username: user.username, groups: user.groups } },
    },
    201,
  );
}
