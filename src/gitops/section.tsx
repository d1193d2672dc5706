// The Git section of the deployment page (src/deployments/sections.ts): the sync status, "out of sync with Git at
// <commit>" with its Apply button, and the pull requests' findings; for a deployment not from Git, the way to make it.
import Html from '@kitajs/html';
import type { Db } from '../db/client';
import type { Deployment } from '../deployments/schema';
import { GitSourceOffer, GitSourceSection, type GitSourceView } from '../../views/gitops/source';
import { findSourceOfDeployment, listPullRequests } from './store';
import type { GitSource } from './schema';

export function sourceView(s: GitSource): GitSourceView {
  return {
    deploymentId: s.deploymentId,
    url: s.url,
    ref: s.ref,
    path: s.path,
    auth: s.auth,
    username: s.username,
    credentialSet: s.credentialSealed !== null,
    knownHosts: s.knownHosts,
    webhookSecretSet: s.webhookSecretSealed !== null,
    webhookPath: `/v1/integrations/git/webhook/${s.id}`,
    autoApply: s.autoApply,
    intervalSeconds: s.intervalSeconds,
    status: s.status,
    error: s.error,
    lastCommit: s.lastCommit,
    lastRevision: s.lastRevision,
    lastSyncedAt: s.lastSyncedAt,
    lastAttemptAt: s.lastAttemptAt,
  };
}

/** What the deployment page hands its sections (src/deployments/sections.ts SectionContext, structurally). */
type SectionContext = { db: Db; deployment: Deployment; canOperate: boolean; csrfToken: string };

export async function gitDeploymentSection(ctx: SectionContext): Promise<JSX.Element | null> {
  const source = await findSourceOfDeployment(ctx.db, ctx.deployment.id);
  if (!source) return ctx.canOperate ? <GitSourceOffer deploymentId={ctx.deployment.id} /> : null;
  const pullRequests = await listPullRequests(ctx.db, source.id, 20);
  return <GitSourceSection source={sourceView(source)} pullRequests={pullRequests} canManage={ctx.canOperate} csrfToken={ctx.csrfToken} />;
}
