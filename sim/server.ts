// The API server front: authenticate the bearer token, parse the REST path, authorize against the RBAC posture,
// then hand off to discovery, reads, writes, logs, metrics or reviews.
//
//   /version /api /apis /apis/{group} /api/v1 /apis/{group}/{version}        discovery (legacy and aggregated v2)
//   /api/v1/{resource}[/{name}[/{sub}]]                                        cluster-scoped, or across namespaces
//   /api/v1/namespaces/{ns}/{resource}[/{name}[/{sub}]]                        namespaced
//   /apis/{group}/{version}/...                                                the same for named groups
import type { Cluster } from './cluster-types.ts';
import {
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
  buildAggregatedDiscovery,
  buildCoreVersions,
  buildGroup,
  buildGroupList,
  buildResourceList,
  buildVersion,
  wantsAggregatedDiscovery,
} from './discovery.ts';
import { parseDryRun, type WriteOptionsKind } from './dry-run.ts';
import { respondError, respondJson } from './http.ts';
import type { RequestContext } from './listen.ts';
import { buildOpenApiGroupVersion, buildOpenApiRoot } from './openapi.ts';
import { patchKindOf } from './patch.ts';
import { type LogCounter, servePodLogs } from './pod-logs.ts';
import {
  authorize,
  buildAgentRules,
  describeDenial,
  type PolicyRule,
  type RbacGrants,
  type RequestAttributes,
  rulesFromBindings,
  type UserInfo,
} from './rbac.ts';
import { isWatch, type ReadRequest, serveGet, serveList, serveMetrics, serveWatch } from './read.ts';
import { findResourceType, METRICS_GROUP, type ResourceType } from './resources.ts';
import { isPublicPath, reviewAccess, reviewRules, reviewSelf } from './reviews.ts';
import { readScale, writeScale } from './scale.ts';
import { type ApiError, badRequest, forbidden, methodNotAllowed, pageNotFound, UNAUTHORIZED, unsupportedMediaType } from './status.ts';
import type { KubeObject } from './store.ts';
import { createObject, deleteCollection, deleteObject, patchExistingOrApply, replaceObject, type WriteResult } from './writes.ts';

export type ApiState = {
  cluster: Cluster;
  /** Bearer token → identity. */
  tokens: Map<string, UserInfo>;
  grants: RbacGrants;
  logs: LogCounter;
  /** Requests served, for benchmarks (API calls per heartbeat). */
  requests: number;
  /** Open watch responses, each by the function that ends it (closeWatches). */
  watches: Set<() => void>;
  /** How often a watch that allows bookmarks gets a BOOKMARK event. */
  bookmarkMs: number;
};

type Route = {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
};

// Parse the part after /api/v1 or /apis/{group}/{version} into resource, namespace, name and subresource.
function parseResourcePath(group: string, version: string, rest: string[]): Route | null {
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const type = findResourceType(group, version, rest[2]);
    if (type?.namespaced && rest.length <= 5) return { type, namespace: rest[1], name: rest[3], subresource: rest[4] };
  }
  const type = findResourceType(group, version, rest[0] ?? '');
  if (!type || rest.length > 3) return null;
  return { type, name: rest[1], subresource: rest[2] };
}

function verbOf(method: string, route: Route, url: URL): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return route.name === undefined ? (isWatch(url) ? 'watch' : 'list') : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

function rulesFor(state: ApiState, user: UserInfo): PolicyRule[] {
  if (user.admin) return [];
  const store = state.cluster.store;
  const bindings = [...store.list('rbac.authorization.k8s.io/clusterrolebindings'), ...store.list('rbac.authorization.k8s.io/rolebindings')];
  const findRole = (kind: string, namespace: string | undefined, name: string): KubeObject | null =>
    store.get(kind === 'ClusterRole' ? 'rbac.authorization.k8s.io/clusterroles' : 'rbac.authorization.k8s.io/roles', namespace, name);
  return [...buildAgentRules(state.grants), ...rulesFromBindings(user, bindings, findRole)];
}

function authenticate(state: ApiState, request: Request): UserInfo | null {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? (state.tokens.get(match[1]) ?? null) : null;
}

function parseJsonBody(text: string): { ok: true; value: unknown } | { ok: false; error: ApiError } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`) };
  }
}

const OPTIONS_KIND: Record<string, WriteOptionsKind | undefined> = {
  create: 'CreateOptions',
  update: 'UpdateOptions',
  patch: 'PatchOptions',
  delete: 'DeleteOptions',
  deletecollection: 'DeleteOptions',
};

/** DeleteOptions from a delete's body (optional) and query: the dry run either asks for. */
async function deleteOptions(request: Request, url: URL): Promise<{ ok: true; dryRun: boolean; uid: string | undefined } | { ok: false; error: ApiError }> {
  const text = await request.text();
  const body = text ? parseJsonBody(text) : { ok: true as const, value: {} };
  if (!body.ok) return body;
  const options = body.value as { dryRun?: unknown; preconditions?: { uid?: unknown } } | null;
  const inBody = options?.dryRun;
  if (inBody !== undefined && !Array.isArray(inBody)) return { ok: false, error: badRequest('DeleteOptions.dryRun must be a list of strings') };
  const uid = options?.preconditions?.uid;
  if (uid !== undefined && typeof uid !== 'string') return { ok: false, error: badRequest('DeleteOptions.preconditions.uid must be a string') };
  const dryRun = parseDryRun([...url.searchParams.getAll('dryRun'), ...(inBody ?? [])], 'DeleteOptions');
  return dryRun.ok ? { ...dryRun, uid } : dryRun;
}

/**
 * The field manager of an update: `fieldManager`, else the client's User-Agent up to its first "/" (as the API
 * server names it: `kubectl scale` is "kubectl", client-go "Go-http-client").
 */
function updateManager(request: Request, url: URL): string {
  const explicit = url.searchParams.get('fieldManager');
  if (explicit) return explicit;
  const agent = request.headers.get('user-agent') ?? '';
  return agent.split('/')[0]!.slice(0, 128) || 'unknown';
}

function writeResponse(result: WriteResult): Response {
  return result.ok ? respondJson(result.body, result.code) : respondError(result.error);
}

function serveDiscovery(state: ApiState, path: string, accept: string | null): Response | null {
  const metrics = state.cluster.metricsEnabled;
  if (path === '/version') return respondJson(buildVersion());
  if (path === '/healthz' || path === '/livez' || path === '/readyz') return new Response('ok', { headers: { 'Content-Type': 'text/plain' } });
  if (path === '/api' || path === '/apis') {
    // Aggregated discovery when asked for (kubectl 1.30+ does), the legacy document otherwise.
    const core = path === '/api';
    const headers = { Vary: 'Accept' };
    if (wantsAggregatedDiscovery(accept)) {
      return new Response(JSON.stringify(buildAggregatedDiscovery(core, metrics)), {
        headers: { ...headers, 'Content-Type': AGGREGATED_DISCOVERY_CONTENT_TYPE },
      });
    }
    return new Response(JSON.stringify(core ? buildCoreVersions() : buildGroupList(metrics)), { headers: { ...headers, 'Content-Type': 'application/json' } });
  }
  if (path === '/api/v1') return respondJson(buildResourceList('', 'v1', metrics)!);
  const group = /^\/apis\/([^/]+)$/.exec(path);
  if (group) {
    const body = buildGroup(group[1], metrics);
    return body ? respondJson(body) : respondError(pageNotFound());
  }
  const groupVersion = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (groupVersion) {
    const body = buildResourceList(groupVersion[1], groupVersion[2], metrics);
    return body ? respondJson(body) : respondError(pageNotFound());
  }
  return null;
}

export async function handleRequest(state: ApiState, request: Request, context: RequestContext): Promise<Response> {
  state.requests += 1;
  const user = authenticate(state, request);
  if (!user) return respondError(UNAUTHORIZED);
  const url = new URL(request.url);
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  const accept = request.headers.get('accept');
  const cluster = state.cluster;

  if (request.method === 'GET' || request.method === 'HEAD') {
    const discovery = serveDiscovery(state, path, accept);
    if (discovery) return discovery;
    if (path === '/openapi/v3') return respondJson(buildOpenApiRoot(cluster.metricsEnabled));
    if (path.startsWith('/openapi/v3/')) {
      const doc = buildOpenApiGroupVersion(path.slice('/openapi/v3/'.length), cluster.metricsEnabled);
      return doc ? respondJson(doc) : respondError(pageNotFound());
    }
    // No OpenAPI v2: kubectl only falls back to it when v3 is missing.
    if (path.startsWith('/openapi')) return respondError(pageNotFound());
  }

  const parts = path.split('/').filter(Boolean);
  let route: Route | null = null;
  if (parts[0] === 'api' && parts[1] === 'v1') route = parseResourcePath('', 'v1', parts.slice(2));
  else if (parts[0] === 'apis' && parts.length >= 4) route = parseResourcePath(parts[1], parts[2], parts.slice(3));
  if (!route) {
    if (!user.admin && !isPublicPath(path))
      return respondError({
        code: 403,
        reason: 'Forbidden',
        message: `forbidden: User "${user.username}" cannot ${request.method.toLowerCase()} path "${path}"`,
        details: {},
      });
    return respondError(pageNotFound());
  }
  const { type, namespace, name, subresource } = route;
  // Without metrics-server the group is simply not there.
  if (type.group === METRICS_GROUP && !cluster.metricsEnabled) return respondError(pageNotFound());
  if (subresource !== undefined && !(type.subresources ?? []).includes(subresource)) return respondError(pageNotFound());

  const verb = verbOf(request.method, route, url);
  const rules = rulesFor(state, user);
  // Reviews of one's own access are open to every authenticated user (system:basic-user).
  if (!type.virtual || type.group === METRICS_GROUP) {
    const attrs: RequestAttributes = {
      verb,
      group: type.group,
      resource: type.resource,
      ...(subresource ? { subresource } : {}),
      ...(type.namespaced && namespace ? { namespace } : !type.namespaced && type.resource === 'namespaces' && name ? { namespace: name } : {}),
      ...(name ? { name } : {}),
    };
    if (!authorize(user, rules, attrs)) return respondError(forbidden(describeDenial(user, attrs), type, name));
  }

  const readRequest: ReadRequest = { cluster, type, namespace, url, accept, signal: request.signal };
  const now = Date.now();
  // `All` is the only dry-run value the API server knows; anything else is refused before a write starts.
  const optionsKind = OPTIONS_KIND[verb];
  const dryRunQuery = optionsKind ? parseDryRun(url.searchParams.getAll('dryRun'), optionsKind) : { ok: true as const, dryRun: false };
  if (!dryRunQuery.ok) return respondError(dryRunQuery.error);
  const dryRun = dryRunQuery.dryRun;

  if (type.group === METRICS_GROUP) {
    if (verb !== 'get' && verb !== 'list') return respondError(methodNotAllowed());
    return serveMetrics(readRequest, name);
  }
  if (type.virtual) {
    if (request.method !== 'POST') return respondError(methodNotAllowed());
    const body = parseJsonBody(await request.text());
    if (!body.ok) return respondError(body.error);
    const result =
      type.resource === 'selfsubjectaccessreviews'
        ? reviewAccess(user, rules, body.value)
        : type.resource === 'selfsubjectrulesreviews'
          ? reviewRules(user, rules, body.value)
          : { ok: true as const, response: reviewSelf(user) };
    return result.ok ? result.response : respondError(result.error);
  }

  if (subresource === 'log') {
    if (verb !== 'get') return respondError(methodNotAllowed());
    return servePodLogs({
      cluster,
      namespace: namespace ?? 'default',
      name: name!,
      url,
      signal: request.signal,
      counter: state.logs,
      keepOpen: context.keepOpen,
    });
  }
  if (subresource === 'scale') {
    if (verb === 'get') return writeResponse(readScale(cluster, type, namespace, name!));
    if (verb !== 'update' && verb !== 'patch') return respondError(methodNotAllowed());
    const patchKind = verb === 'patch' ? patchKindOf(request.headers.get('content-type')) : null;
    if (verb === 'patch' && !patchKind) return respondError(unsupportedMediaType(request.headers.get('content-type') ?? ''));
    const write = patchKind ? { method: 'PATCH' as const, kind: patchKind } : { method: 'PUT' as const };
    return writeResponse(writeScale(cluster, type, namespace, name!, write, await request.text(), updateManager(request, url), now, dryRun));
  }
  if (subresource !== undefined && verb === 'get') return serveGet(readRequest, name!);
  if (subresource !== undefined) return respondError(methodNotAllowed());

  switch (verb) {
    case 'list':
      return serveList(readRequest);
    case 'watch':
      context.keepOpen();
      return serveWatch(readRequest, { bookmarkMs: state.bookmarkMs, open: state.watches });
    case 'get':
      return serveGet(readRequest, name!);
    case 'create': {
      const body = parseJsonBody(await request.text());
      if (!body.ok) return respondError(body.error);
      return writeResponse(createObject(cluster, type, namespace, body.value, now, updateManager(request, url), 'Update', dryRun));
    }
    case 'update': {
      const body = parseJsonBody(await request.text());
      if (!body.ok) return respondError(body.error);
      return writeResponse(replaceObject(cluster, type, namespace, name!, body.value, now, dryRun, updateManager(request, url)));
    }
    case 'patch': {
      const kind = patchKindOf(request.headers.get('content-type'));
      if (!kind) return respondError(unsupportedMediaType(request.headers.get('content-type') ?? ''));
      return writeResponse(
        patchExistingOrApply(
          cluster,
          type,
          namespace,
          name!,
          kind,
          await request.text(),
          // An apply must name its manager (422 otherwise); an update defaults to the user agent's.
          kind === 'apply' ? url.searchParams.get('fieldManager') : updateManager(request, url),
          now,
          dryRun,
        ),
      );
    }
    case 'delete':
    case 'deletecollection': {
      // kubectl sends DeleteOptions in the body, its dryRun among them; the query parameter works too.
      const options = await deleteOptions(request, url);
      if (!options.ok) return respondError(options.error);
      if (verb === 'deletecollection') {
        const result = deleteCollection({ ...readRequest, dryRun: options.dryRun, now });
        return 'response' in result ? result.response : writeResponse(result);
      }
      return writeResponse(deleteObject(cluster, type, namespace, name!, now, options.dryRun, options.uid));
    }
    default:
      return respondError(methodNotAllowed());
  }
}
