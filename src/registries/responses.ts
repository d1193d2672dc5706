// What the registries API answers: a registry with its password masked (it is never returned, not even once).
import { t } from 'elysia';
import { Exact, Timestamp } from '../http/responses';

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
