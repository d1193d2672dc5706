// The Git section of the deployment page (src/deployments/sections.ts): the sync status, "out of sync with Git at
// <commit>" with its Apply button, and the pull requests' findings; for a deployment not from Git, the way to make it.
import Html from '@kitajs/html';
import type { Db } from '../db/client';
import type { Deployment } from '../deployments/schema';
import { GitSourceOffer, GitSourceSection, type GitSourceView } from '../../views/gitops/source';
import { findSourceOfDeployment, listPullRequests } from './store';
import type { GitSource } from './schema';
import { sourceJson } from './sources';

export function sourceView(s: GitSource): GitSourceView {
  // The API's view of it, with the times as dates (the page words them relative to now).
  return { ...sourceJson(s), lastSyncedAt: s.lastSyncedAt, lastAttemptAt: s.lastAttemptAt };
}

/** What the deployment page hands its sections (src/deployments/sections.ts SectionContext, structurally). */
type SectionContext = { db: Db; deployment: Deployment; canOperate: boolean; csrfToken: string };

export async function gitDeploymentSection(ctx: SectionContext): Promise<JSX.Element | null> {
  const source = await findSourceOfDeployment(ctx.db, ctx.deployment.id);
  if (!source) return ctx.canOperate ? <GitSourceOffer deploymentId={ctx.deployment.id} /> : null;
  const pullRequests = await listPullRequests(ctx.db, source.id, 20);
  return <GitSourceSection source={sourceView(source)} pullRequests={pullRequests} canManage={ctx.canOperate} csrfToken={ctx.csrfToken} />;
}
