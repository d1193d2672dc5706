// labelSelector and fieldSelector as the API server parses them (equality, set-based, existence).
import type { KubeObject } from './store.ts';

type LabelRequirement = { op: 'in' | 'notin'; key: string; values: string[] } | { op: 'exists' | 'notexists'; key: string };

export type Selector = (object: KubeObject) => boolean;

export type ParsedSelector = { ok: true; match: Selector } | { ok: false; message: string };

const MATCH_ALL: Selector = () => true;

/** Split on commas that are not inside parentheses: "a in (x,y),b" → ["a in (x,y)", "b"]. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t.length > 0);
}

function parseLabelTerm(term: string): LabelRequirement | null {
  let m = /^([^\s=!()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (m) return { op: m[2] as 'in' | 'notin', key: m[1], values: m[3].split(',').map((v) => v.trim()) };
  m = /^([^\s=!]+)\s*(==|=|!=)\s*([^\s=!,]*)$/.exec(term);
  if (m) return { op: m[2] === '!=' ? 'notin' : 'in', key: m[1], values: [m[3]] };
  m = /^!\s*([^\s=!]+)$/.exec(term);
  if (m) return { op: 'notexists', key: m[1] };
  m = /^([^\s=!()]+)$/.exec(term);
  if (m) return { op: 'exists', key: m[1] };
  return null;
}

export function parseLabelSelector(text: string | null): ParsedSelector {
  if (!text) return { ok: true, match: MATCH_ALL };
  const requirements: LabelRequirement[] = [];
  for (const term of splitTerms(text)) {
    const requirement = parseLabelTerm(term);
    if (!requirement) return { ok: false, message: `unable to parse requirement: ${JSON.stringify(term)}` };
    requirements.push(requirement);
  }
  return {
    ok: true,
    match: (object) => {
      const labels = object.metadata.labels ?? {};
      return requirements.every((r) => {
        const has = Object.hasOwn(labels, r.key);
        switch (r.op) {
          case 'exists':
            return has;
          case 'notexists':
            return !has;
          case 'in':
            return has && r.values.includes(labels[r.key]);
          case 'notin':
            return !has || !r.values.includes(labels[r.key]);
        }
      });
    },
  };
}

// Field labels each resource supports, as the API server registers them; anything else is a 400.
const FIELD_LABELS: Record<string, string[]> = {
  pods: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  events: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  secrets: ['type'],
  nodes: ['spec.unschedulable'],
  namespaces: ['status.phase'],
  'batch/jobs': ['status.successful'],
  'apps/replicasets': ['status.replicas'],
};

function readField(object: KubeObject, path: string): string {
  if (path === 'source') return String((object.source as { component?: string } | undefined)?.component ?? '');
  let value: unknown = object;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return '';
    value = (value as Record<string, unknown>)[part];
  }
  return value === undefined || value === null ? '' : String(value);
}

export function parseFieldSelector(text: string | null, resourceKey: string): ParsedSelector {
  if (!text) return { ok: true, match: MATCH_ALL };
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...(FIELD_LABELS[resourceKey] ?? [])]);
  const terms: { field: string; negate: boolean; value: string }[] = [];
  for (const term of splitTerms(text)) {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) return { ok: false, message: `invalid selector: '${text}'; can't understand '${term}'` };
    if (!allowed.has(m[1])) return { ok: false, message: `field label not supported: ${m[1]}` };
    terms.push({ field: m[1], negate: m[2] === '!=', value: m[3] });
  }
  return { ok: true, match: (object) => terms.every((t) => (readField(object, t.field) === t.value) !== t.negate) };
}
