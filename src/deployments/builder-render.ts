// The builder's preview, shared by the JSON API and the page: the form → YAML and objects, with the policy
// findings the objects would have at build time (the org's disabled rules honoured, its registries as context)
// before anything is saved or applied.
import type { Environment } from '../clusters/vocabulary';
import type { Db } from '../db/client';
import { ruleById } from '../policies/engine';
import type { PolicyFinding } from '../policies/vocabulary';
import { listUsableRegistries } from '../registries/store';
import { buildDeployment, type BuilderForm, type BuilderRegistry } from './builder';
import { buildTimeFindings } from './findings';

export type BuildFinding = PolicyFinding & { workload: string; why: string; fix: string };

export type RenderResult =
  | { ok: true; form: BuilderForm; yaml: string; objects: Record<string, unknown>[]; findings: BuildFinding[] }
  | { ok: false; field: string; message: string };

/** The registries a deployment of `orgId` may name, as the builder offers them. */
export async function usableRegistries(db: Db, orgId: string, scopeOrgIds: readonly string[]): Promise<BuilderRegistry[]> {
  return (await listUsableRegistries(db, orgId, scopeOrgIds)).map((r) => ({ id: r.id, name: r.name, server: r.server }));
}

export async function renderBuilder(db: Db, orgId: string, scopeOrgIds: readonly string[], input: unknown, environment: Environment): Promise<RenderResult> {
  const registries = await usableRegistries(db, orgId, scopeOrgIds);
  const built = buildDeployment(input, registries);
  if (!built.ok) return built;
  const perWorkload = await buildTimeFindings(db, orgId, built.yaml, built.form.namespace, environment, scopeOrgIds);
  const findings = perWorkload.flatMap((w) =>
    w.findings.map((f) => {
      const rule = ruleById(f.ruleId);
      return { ...f, workload: w.subject, why: rule.why, fix: rule.fix };
    }),
  );
  return { ok: true, form: built.form, yaml: built.yaml, objects: built.objects, findings };
}
