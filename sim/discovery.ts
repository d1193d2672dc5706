// Discovery documents: what `kubectl` and client libraries read to learn which resources exist.
// Both the legacy documents (APIGroupList / APIResourceList) and the aggregated v2 form kubectl 1.30+ asks for first.
import { listGroups, METRICS_GROUP, type ResourceType, typesInGroupVersion } from './resources.ts';

export const KUBERNETES_VERSION = { major: '1', minor: '31', gitVersion: 'v1.31.4+k3s1' };

export const AGGREGATED_DISCOVERY_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** True when the Accept header asks for aggregated discovery v2 (kubectl lists it before plain JSON). */
export function wantsAggregatedDiscovery(accept: string | null): boolean {
  return accept !== null && /g=apidiscovery\.k8s\.io;\s*v=v2;\s*as=APIGroupDiscoveryList/.test(accept);
}

export function buildVersion(): object {
  return {
    ...KUBERNETES_VERSION,
    gitCommit: 'e4e3d8a2b4c6f1b1f0b3f0d0a4a4d1c2c6e1a9b7',
    gitTreeState: 'clean',
    buildDate: '2024-12-18T01:21:33Z',
    goVersion: 'go1.22.9',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function buildCoreVersions(): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.43.0.1:443' }],
  };
}

export function buildGroupList(includeMetrics: boolean): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: listGroups(includeMetrics).map(({ group, version }) => buildGroupEntry(group, version)),
  };
}

function buildGroupEntry(group: string, version: string): object {
  const groupVersion = { groupVersion: `${group}/${version}`, version };
  return { name: group, versions: [groupVersion], preferredVersion: groupVersion };
}

export function buildGroup(group: string, includeMetrics: boolean): object | null {
  const entry = listGroups(includeMetrics).find((g) => g.group === group);
  if (!entry) return null;
  return { kind: 'APIGroup', apiVersion: 'v1', ...buildGroupEntry(entry.group, entry.version) };
}

export function buildResourceList(group: string, version: string, includeMetrics: boolean): object | null {
  if (group === METRICS_GROUP && !includeMetrics) return null;
  const types = typesInGroupVersion(group, version);
  if (types.length === 0) return null;
  const resources: object[] = [];
  for (const type of types) {
    resources.push({
      name: type.resource,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: type.verbs,
      ...(type.shortNames ? { shortNames: type.shortNames } : {}),
      ...(type.categories ? { categories: type.categories } : {}),
    });
    for (const sub of type.subresources ?? []) {
      const shape = describeSubresource(type, sub);
      resources.push({ name: `${type.resource}/${sub}`, singularName: '', namespaced: type.namespaced, ...shape.kindRef, verbs: shape.verbs });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function describeSubresource(type: ResourceType, sub: string): { kindRef: { group?: string; version?: string; kind: string }; verbs: string[] } {
  if (sub === 'scale') return { kindRef: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] };
  if (sub === 'log') return { kindRef: { kind: type.kind }, verbs: ['get'] };
  return { kindRef: { kind: type.kind }, verbs: ['get', 'patch', 'update'] };
}

/** Aggregated discovery (apidiscovery.k8s.io/v2): the core group for `/api`, every other group for `/apis`. */
export function buildAggregatedDiscovery(core: boolean, includeMetrics: boolean): object {
  const groups = core ? [{ group: '', version: 'v1' }] : listGroups(includeMetrics);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map(({ group, version }) => ({
      metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
      versions: [
        {
          version,
          resources: typesInGroupVersion(group, version).map((type) => ({
            resource: type.resource,
            responseKind: { group: type.group, version: type.version, kind: type.kind },
            scope: type.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: type.singular,
            verbs: type.verbs,
            ...(type.shortNames ? { shortNames: type.shortNames } : {}),
            ...(type.categories ? { categories: type.categories } : {}),
            ...(type.subresources
              ? {
                  subresources: type.subresources.map((sub) => {
                    const shape = describeSubresource(type, sub);
                    return {
                      subresource: sub,
                      responseKind: { group: shape.kindRef.group ?? type.group, version: shape.kindRef.version ?? type.version, kind: shape.kindRef.kind },
                      verbs: shape.verbs,
                    };
                  }),
                }
              : {}),
          })),
          freshness: 'Current',
        },
      ],
    })),
  };
}
