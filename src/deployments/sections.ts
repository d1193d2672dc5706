// Extension point of the deployment page: panels other parts of deployments render under its status (waves,
// health, drift and re-apply). Each part adds its loader to DEPLOYMENT_SECTIONS in source (a fixed list: no
// registration at run time); a loader answers null when it has nothing to show for this deployment.
import type { Db } from '../db/client';
import type { Caller } from '../http/caller';
import type { Deployment } from './schema';
import { gitDeploymentSection } from '../gitops/section';
import { deploymentOpsSection } from './waves-pages';

export type SectionContext = { db: Db; caller: Caller; deployment: Deployment; canOperate: boolean; csrfToken: string };

export type DeploymentSection = (ctx: SectionContext) => Promise<JSX.Element | null>;

/** In page order. */
export const DEPLOYMENT_SECTIONS: readonly DeploymentSection[] = [deploymentOpsSection, gitDeploymentSection];

export async function renderSections(ctx: SectionContext): Promise<JSX.Element[]> {
  // A section's element resolves to its HTML.
  const rendered = await Promise.all(DEPLOYMENT_SECTIONS.map((section) => section(ctx)));
  return rendered.filter((html): html is string => html !== null);
}
