// What the registries API answers: a registry with its password masked (it is never returned, not even once).
import { t } from 'elysia';
import { Exact, Integer, Nullable, Timestamp } from '../http/responses';

export const RegistryJson = Exact({
  id: t.String(),
  orgId: t.String({ description: 'The org it belongs to; deployments of this org and its descendants may use it' }),
  name: t.String({ description: 'Also the name of the pull Secret (kubernetes.io/dockerconfigjson) in clusters' }),
  server: t.String({ description: 'The registry host as images name it (docker.io for Docker Hub)' }),
  username: t.String(),
  password: t.String({ description: 'Always masked: the password or token is never returned after it is set' }),
  secretName: t.String({ description: 'What to list in a pod template’s imagePullSecrets' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  rotatedAt: Timestamp,
});
export type RegistryJson = typeof RegistryJson.static;

export const RegistryList = Exact({ registries: t.Array(RegistryJson) });
export type RegistryList = typeof RegistryList.static;

export const RedeliveryJson = Exact({
  clusterId: t.String(),
  deploymentId: t.String(),
  revision: Integer({ description: 'The revision the cluster runs, whose pull Secret is applied again' }),
  commandId: Nullable(t.String({ description: 'The apply command queued; null when refused' })),
  refused: Nullable(t.String({ description: 'Why nothing was queued (e.g. the apply capability is off)' })),
});

export const ChangedRegistryJson = Exact({
  ...RegistryJson.properties,
  redeliveries: t.Array(RedeliveryJson, {
    description: 'After a new password: one apply of the pull Secret per cluster whose applied deployment uses this registry; empty otherwise',
  }),
});
export type ChangedRegistryJson = typeof ChangedRegistryJson.static;
