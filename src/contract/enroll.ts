// Enrollment: a single-use token is exchanged once for a long-lived agent key.
import { Type, type Static } from '@sinclair/typebox';
import { LIMITS } from './protocol.ts';

/** What the agent learns about its cluster; sent at enrollment and on every heartbeat. */
export const ClusterFacts = Type.Object({
  /** API server git version, e.g. "v1.31.4+k3s1". */
  k8sVersion: Type.String({ maxLength: LIMITS.version }),
  /** "k3s", "rke2", "k0s", "eks"… or "kubernetes" when nothing more specific is recognised. */
  distribution: Type.String({ maxLength: LIMITS.word }),
  /** API server platform, e.g. "linux/amd64". */
  platform: Type.String({ maxLength: LIMITS.word }),
});
export type ClusterFacts = Static<typeof ClusterFacts>;

export const EnrollRequest = Type.Object({
  token: Type.String({ minLength: 1, maxLength: LIMITS.token }),
  agentVersion: Type.String({ maxLength: LIMITS.version }),
  protocol: Type.Integer({ minimum: 1 }),
  clusterFacts: Type.Optional(ClusterFacts),
});
export type EnrollRequest = Static<typeof EnrollRequest>;

export const EnrollResponse = Type.Object({
  /** Shown once; the agent stores it in Secret niro-system/niro-agent-key and sends it as X-Niro-Agent-Key. */
  agentKey: Type.String({ minLength: 1, maxLength: LIMITS.token }),
  clusterId: Type.String({ minLength: 1, maxLength: LIMITS.name }),
  heartbeatIntervalSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
});
export type EnrollResponse = Static<typeof EnrollResponse>;
