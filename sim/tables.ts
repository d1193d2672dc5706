// Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`): the columns `kubectl get` shows,
// computed the way the API server's printers compute them (pod STATUS and RESTARTS logic included).
// Each API group's printers live in core-printers.ts and workload-printers.ts, built from printing.ts.
import { CORE_PRINTERS } from './core-printers.ts';
import { AGE, age, NAME, type Printer } from './printing.ts';
import type { KubeObject } from './store.ts';
import { WORKLOAD_PRINTERS } from './workload-printers.ts';

export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

export function wantsTable(accept: string | null): boolean {
  return accept !== null && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

const PRINTERS: Record<string, Printer> = { ...CORE_PRINTERS, ...WORKLOAD_PRINTERS };

const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], row: (o, now) => [o.metadata.name, age(o, now)] };

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function buildTable(
  storeKey: string,
  objects: KubeObject[],
  include: IncludeObject,
  resourceVersion: string,
  continueToken?: string,
  remaining?: number,
): object {
  const printer = PRINTERS[storeKey] ?? DEFAULT_PRINTER;
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion, ...(continueToken ? { continue: continueToken } : {}), ...(remaining ? { remainingItemCount: remaining } : {}) },
    columnDefinitions: printer.columns,
    rows: objects.map((object) => ({
      cells: printer.row(object, now),
      ...(include === 'None'
        ? {}
        : { object: include === 'Object' ? object : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata } }),
    })),
  };
}
