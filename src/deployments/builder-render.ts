// The builder's preview, shared by the JSON API and the page: the form → YAML and objects, with the policy
// findings the objects would have at build time (the org's disabled rules honoured, its registries as context)
// before anything is saved or applied.
import type { Environment } from '../clusters/vocabulary';
import type { Db } from '../db/client';
import { evaluatePolicies, ruleById } from '../policies/engine';
import { policyInputsFromYaml } from '../policies/manifest';
import { loadEffectiveSettings } from '../policies/store';
import { workloadSubject, type PolicyFinding } from '../policies/vocabulary';
import { listRegistries, orgLine } from '../registries/store';
import { buildDeployment, type BuilderForm, type BuilderRegistry } from './builder';

export type BuildFinding = PolicyFinding & { workload: string; why: string; fix: string };

export type RenderResult =
  | { ok: true; form: BuilderForm; yaml: string; objects: Record<string, unknown>[]; findings: BuildFinding[] }
  | { ok: false; field: string; message: string };

/**
 * Registries a deployment of `orgId` may pull with: those of the org and its ancestors that the caller can see
 * (delivery checks the same line again when it fills the Secret).
 */
export async function usableRegistries(db: Db, orgId: string, scopeOrgIds: readonly string[]): Promise<BuilderRegistry[]> {
  const line = await orgLine(db, orgId);
  const visible = line.filter((id) => scopeOrgIds.includes(id));
  return (await listRegistries(db, visible)).map((r) => ({ id: r.id, name: r.name, server: r.server }));
}

/** Build-time findings of generated (or imported) YAML, catalogue order per workload. */
export function buildFindings(
  yaml: string,
  ctx: { environment: Environment; namespace: string; registries: readonly BuilderRegistry[]; disabled: ReadonlySet<string> },
): BuildFinding[] {
  const { inputs } = policyInputsFromYaml(yaml, {
    environment: ctx.environment,
    namespace: ctx.namespace,
    registries: ctx.registries.map((r) => ({ server: r.server, secretName: r.name })),
  });
  return inputs.flatMap((input) =>
    evaluatePolicies(input, ctx.disabled).map((f) => {
      const rule = ruleById(f.ruleId);
      return { ...f, workload: workloadSubject(input), why: rule.why, fix: rule.fix };
    }),
  );
}

export async function renderBuilder(db: Db, orgId: string, scopeOrgIds: readonly string[], input: unknown, environment: Environment): Promise<RenderResult> {
  const registries = await usableRegistries(db, orgId, scopeOrgIds);
  const built = buildDeployment(input, registries);
  if (!built.ok) return built;
  const settings = await loadEffectiveSettings(db, orgId);
  const exempt = settings.exemptNamespaces.includes(built.form.namespace);
  const findings = exempt ? [] : buildFindings(built.yaml, { environment, namespace: built.form.namespace, registries, disabled: settings.disabled });
  return { ok: true, form: built.form, yaml: built.yaml, objects: built.objects, findings };
}
