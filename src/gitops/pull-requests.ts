// Policy checks on pull requests (PR time): render the deployment's path at the pull request's head commit and at its
// base, and when they differ (the pull request touches what the deployment runs — a kustomize base outside the path
// included) run the policy rules on the head's manifests, store the findings, and report back to GitHub: a commit
// status with the summary and ONE comment listing the findings with their fixes, edited (never duplicated) on later
// pushes. Reporting for one pull request is serialised (a transaction-scoped advisory lock), and a check that finishes
// after a newer one changes nothing.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { Logger } from '../log';
import type { SecretBox } from '../security/encryption';
import { findDeployment } from '../deployments/store';
import type { Deployment } from '../deployments/schema';
import { ruleById } from '../policies/engine';
import { buildTimeFindings } from '../deployments/findings';
import { findingsEnvironment } from '../deployments/json';
import { fetchCommit, type GitLimits } from './git';
import { renderPath, type RenderLimits } from './render';
import { credentialsOf } from './sources';
import { findGithubConnection, findPullRequest, findSource, markPullRequestReported, upsertPullRequest } from './store';
import { githubClient, tokenContext } from './github';
import type { GitPullRequest, GitSource } from './schema';
import type { PrFinding } from './vocabulary';
import type { PullRequestEvent } from './webhook';

export type GithubDeps = {
  db: Db;
  box: SecretBox;
  log: Logger;
  git: GitLimits;
  render: RenderLimits;
  /** Links in statuses and comments point here. */
  publicUrl: string;
  /** The longest one GitHub API call may take. */
  httpTimeoutMs: number;
};

/** The pull request as the API shows it. */
export function pullRequestJson(p: GitPullRequest) {
  return {
    number: p.number,
    repository: p.repository,
    title: p.title,
    url: p.url,
    state: p.state,
    headSha: p.headSha,
    touches: p.touches,
    findings: p.findings.map((f) => ({ ruleId: f.ruleId, severity: f.severity, title: f.title, message: f.message, subject: f.subject, fix: f.fix })),
    error: p.error,
    reported: p.reportedAt !== null && p.reportError === null,
    reportError: p.reportError,
    updatedAt: p.updatedAt.toISOString(),
  };
}

type Render = { ok: true; manifests: string } | { ok: false; message: string };

async function renderAt(deps: GithubDeps, source: GitSource, commit: string): Promise<Render> {
  const credentials = credentialsOf(deps.box, source);
  if (!credentials) return { ok: false, message: 'the stored credentials cannot be opened; set the token or deploy key again' };
  const checkout = await fetchCommit({ url: source.url, ref: source.ref, commit, credentials }, deps.git);
  if (!checkout.ok) return checkout;
  try {
    return await renderPath(checkout.dir, source.path, deps.render);
  } finally {
    await checkout.cleanup();
  }
}

/**
 * The policy findings of rendered manifests, as the builder shows them at build time (deploy-core's buildTimeFindings:
 * the org's disabled rules, graded for the strictest environment the deployment targets), each with its object and fix.
 */
export async function findingsOf(db: Db, deployment: Deployment, manifests: string): Promise<PrFinding[]> {
  const environment = await findingsEnvironment(db, deployment.orgId, deployment.targets);
  const workloads = await buildTimeFindings(db, deployment.orgId, manifests, deployment.namespace, environment);
  return workloads.flatMap((w) => w.findings.map((f) => ({ ...f, subject: w.subject, fix: ruleById(f.ruleId).fix })));
}

/** Checks one pull request event against the source `sourceId` and reports to GitHub when the org is connected. */
export async function checkPullRequest(deps: GithubDeps, sourceId: string, pr: PullRequestEvent): Promise<void> {
  const started = new Date();
  const source = await findSource(deps.db, sourceId);
  if (!source) return;
  const deployment = await findDeployment(deps.db, source.deploymentId, [source.orgId]);
  if (!deployment) return;
  const base = { sourceId, number: pr.number, repository: pr.repository, title: pr.title, url: pr.url, headSha: pr.headSha };
  if (pr.action === 'closed' || pr.state === 'closed') {
    const known = await findPullRequest(deps.db, sourceId, pr.number);
    if (known) await upsertPullRequest(deps.db, { ...base, state: 'closed', touches: known.touches, findings: known.findings, error: known.error });
    return;
  }
  const head = await renderAt(deps, source, pr.headSha);
  // The base as the pull request sees it; without its commit, the tracked branch's last synced one.
  const baseCommit = pr.baseSha || source.lastCommit;
  const before = head.ok && baseCommit ? await renderAt(deps, source, baseCommit) : null;
  const touches = !head.ok || before === null || !before.ok || before.manifests !== head.manifests;
  const findings = head.ok && touches ? await findingsOf(deps.db, deployment, head.manifests) : [];
  const error = head.ok ? null : head.message;
  await deps.db.transaction(async (tx) => {
    // One check of this pull request reports at a time; the comment is created once.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`niro-pr:${sourceId}:${pr.number}`}))`);
    const known = await findPullRequest(tx, sourceId, pr.number);
    // A check of a newer push finished first: this one is stale.
    if (known && known.headSha !== pr.headSha && known.updatedAt > started) return;
    const row = await upsertPullRequest(tx, { ...base, state: 'open', touches, findings, error });
    // Nothing to say on a pull request that does not change the deployment, unless an earlier push did.
    if (!touches && !known?.commentId) return;
    await report(deps, tx, source, deployment, row, pr);
  });
}

/** Escapes text from a repository (object names, messages) for a Markdown comment: no markup, no mentions. */
export function markdownText(s: string): string {
  return s.replace(/[\\`*_{}[\]()<>#+!|~@-]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** The summary a status carries (GitHub keeps 140 characters). */
export function statusSummary(row: GitPullRequest): { state: 'success' | 'failure' | 'error'; description: string } {
  if (row.error) return { state: 'error', description: `Could not render: ${row.error}`.slice(0, 140) };
  if (!row.touches) return { state: 'success', description: 'No change to this deployment' };
  if (row.findings.length === 0) return { state: 'success', description: 'No policy findings' };
  const high = row.findings.filter((f) => f.severity === 'high').length;
  const text = `${row.findings.length} policy finding${row.findings.length === 1 ? '' : 's'}${high ? ` (${high} high)` : ''}`;
  return { state: high ? 'failure' : 'success', description: text.slice(0, 140) };
}

/** The comment's Markdown; the first line's marker finds it again. */
export function commentBody(deployment: Deployment, row: GitPullRequest, link: string): string {
  const lines = [`<!-- niro:deployment:${deployment.id} -->`, `### Niro policy check: ${markdownText(deployment.name)}`, ''];
  const at = `at \`${row.headSha.slice(0, 12)}\``;
  if (row.error) lines.push(`The manifests could not be rendered ${at}:`, '', '```', row.error.replaceAll('```', "'''"), '```');
  else if (!row.touches) lines.push(`This pull request no longer changes what the deployment runs ${at}.`);
  else if (row.findings.length === 0) lines.push(`No policy findings ${at}.`);
  else {
    lines.push(`${row.findings.length} policy finding${row.findings.length === 1 ? '' : 's'} ${at}:`, '');
    for (const f of row.findings) {
      lines.push(`- **${f.severity}** ${markdownText(f.title)} — ${markdownText(f.subject)}: ${markdownText(f.message)}`);
      lines.push(
        '  <details><summary>Fix</summary>',
        '',
        '  ```yaml',
        ...f.fix.split('\n').map((l) => `  ${l.replaceAll('```', "'''")}`),
        '  ```',
        '  </details>',
      );
    }
  }
  lines.push('', `[Open the deployment in Niro](${link}) · updated on every push`);
  return lines.join('\n');
}

async function report(deps: GithubDeps, db: Db, source: GitSource, deployment: Deployment, row: GitPullRequest, pr: PullRequestEvent): Promise<void> {
  const connection = await findGithubConnection(db, source.orgId);
  if (!connection) return;
  const now = new Date();
  const token = deps.box.open(connection.tokenSealed, tokenContext(connection.id));
  if (!token.ok) {
    await markPullRequestReported(db, source.id, row.number, { error: 'the GitHub token cannot be opened; connect GitHub again' }, now);
    return;
  }
  if (!/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/.test(pr.repository)) {
    await markPullRequestReported(db, source.id, row.number, { error: `"${pr.repository.slice(0, 100)}" is not a GitHub repository name` }, now);
    return;
  }
  const client = githubClient(connection.apiUrl, token.plaintext, deps.httpTimeoutMs);
  const link = `${deps.publicUrl}/deployments/${deployment.id}`;
  const summary = statusSummary(row);
  const status = await client.request('POST', `/repos/${pr.repository}/statuses/${row.headSha}`, {
    state: summary.state,
    description: summary.description,
    context: `niro/${deployment.name}`,
    target_url: link,
  });
  if (!status.ok) {
    await markPullRequestReported(db, source.id, row.number, { error: `commit status: ${status.message}` }, now);
    return;
  }
  const body = commentBody(deployment, row, link);
  if (row.commentId) {
    const edited = await client.request('PATCH', `/repos/${pr.repository}/issues/comments/${row.commentId}`, { body });
    if (edited.ok) return markPullRequestReported(db, source.id, row.number, { error: null }, now);
    // Someone deleted it: a new one takes its place.
    if (edited.status !== 404) return markPullRequestReported(db, source.id, row.number, { error: `comment: ${edited.message}` }, now);
  }
  const created = await client.request('POST', `/repos/${pr.repository}/issues/${row.number}/comments`, { body });
  const id = created.ok ? (created.json as { id?: unknown }).id : undefined;
  if (!created.ok || (typeof id !== 'number' && typeof id !== 'string'))
    return markPullRequestReported(
      db,
      source.id,
      row.number,
      { error: `comment: ${created.ok ? 'GitHub answered without a comment id' : created.message}` },
      now,
    );
  await markPullRequestReported(db, source.id, row.number, { commentId: String(id), error: null }, now);
}
