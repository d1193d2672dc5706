// Just enough OpenAPI v3 for `kubectl apply`: kubectl downloads /openapi/v3 before it writes anything, to learn
// whether the server validates fields itself (the `fieldValidation` query parameter on PATCH). Saying yes for every
// served kind lets kubectl defer validation to the server instead of demanding full schemas; kubectl then computes
// client-side strategic merge patches from its compiled-in types.
import { KUBERNETES_VERSION } from './discovery.ts';
import { listGroups, RESOURCE_TYPES } from './resources.ts';

function groupVersions(includeMetrics: boolean): { group: string; version: string }[] {
  return [{ group: '', version: 'v1' }, ...listGroups(includeMetrics)];
}

function pathPrefix(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function buildOpenApiRoot(includeMetrics: boolean): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of groupVersions(includeMetrics)) {
    const prefix = pathPrefix(group, version);
    paths[prefix] = { serverRelativeURL: `/openapi/v3/${prefix}?hash=${KUBERNETES_VERSION.gitVersion.replace(/\W/g, '')}` };
  }
  return { paths };
}

const PATCH_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
  name,
  in: 'query',
  schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
}));

/** One group-version: a PATCH operation per served kind, tagged with its GVK and the fieldValidation parameter. */
export function buildOpenApiGroupVersion(prefix: string, includeMetrics: boolean): object | null {
  const entry = groupVersions(includeMetrics).find(({ group, version }) => pathPrefix(group, version) === prefix);
  if (!entry) return null;
  const paths: Record<string, object> = {};
  for (const type of RESOURCE_TYPES) {
    if (type.group !== entry.group || type.version !== entry.version || type.virtual) continue;
    const scope = type.namespaced ? `namespaces/{namespace}/` : '';
    paths[`/${prefix}/${scope}${type.resource}/{name}`] = {
      patch: {
        operationId: `patch${type.namespaced ? 'Namespaced' : ''}${type.kind}`,
        parameters: PATCH_PARAMETERS,
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: type.group, version: type.version, kind: type.kind },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: KUBERNETES_VERSION.gitVersion }, paths, components: { schemas: {} } };
}
