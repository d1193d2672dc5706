// Build-time policy findings for a deployment's manifests: the same rules the runtime runs on heartbeats
// (src/policies engine), with the organization's disabled rules, shown before anything is applied. The builder
// and Git import call this too.
import type { Db } from '../db/client';
import type { Environment } from '../clusters/vocabulary';
import { evaluatePolicies } from '../policies/engine';
import { policyInputsFromYaml } from '../policies/manifest';
import { loadEffectiveSettings } from '../policies/store';
import { workloadSubject, type PolicyFinding } from '../policies/vocabulary';
import { severityRank } from '../policies/severity';

/** Findings of one workload of the manifests. */
export type WorkloadFindings = { subject: string; kind: string; name: string; findings: PolicyFinding[] };

/** The environment findings are graded for when a deployment goes to several: the strictest among them. */
const STRICTNESS: Environment[] = ['production', 'staging', 'dev', 'unspecified'];

export function strictestEnvironment(environments: readonly Environment[]): Environment {
  return STRICTNESS.find((e) => environments.includes(e)) ?? 'unspecified';
}

/**
 * Findings per workload of `manifests` (valid manifests: validateManifests passed), graded for `environment`,
 * most severe first within each workload; workloads without findings are left out.
 */
export async function buildTimeFindings(db: Db, orgId: string, manifests: string, namespace: string, environment: Environment): Promise<WorkloadFindings[]> {
  const settings = await loadEffectiveSettings(db, orgId);
  const { inputs } = policyInputsFromYaml(manifests, { environment, namespace });
  const out: WorkloadFindings[] = [];
  for (const input of inputs) {
    const findings = evaluatePolicies(input, settings.disabled).sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
    if (findings.length) out.push({ subject: workloadSubject(input), kind: input.kind, name: input.name, findings });
  }
  return out;
}
