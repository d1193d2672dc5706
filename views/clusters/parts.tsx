import Html from '@kitajs/html';
import type { Capabilities, CapabilityName } from '../../src/contract';
// The formats moved to a JSX-free file the browser bundle can share; re-exported for the views that import them here.
export { formatBytes, formatCpu } from '../shared/format';
import { formatUsedOf, loadLevel } from '../shared/format';
import { CLUSTER_NAME_MAX, CLUSTER_NAME_PATTERN, CLUSTER_NAME_RULE, STATUS_LABEL, STATUS_MEANING, type ClusterStatus } from '../../src/clusters/vocabulary';
import { RelativeTime } from '../shared/time';

export function StatusBadge(props: { status: ClusterStatus }): JSX.Element {
  const cls = props.status === 'pending' || props.status === 'unknown' ? '' : props.status;
  return (
    <span class={`badge ${cls}`} data-status={props.status} title={`${STATUS_LABEL[props.status]}: ${STATUS_MEANING[props.status]}`} safe>
      {STATUS_LABEL[props.status]}
    </span>
  );
}

/** "12 s ago" (worded by the browser), or `never` when there is no moment. */
export function Age(props: { at: Date | null; never?: string }): JSX.Element {
  if (!props.at)
    return (
      <span class="muted" safe>
        {props.never ?? 'never'}
      </span>
    );
  return <RelativeTime at={props.at} style="ago" />;
}

/** A bar of used / total with the figures under it, coloured by load (loadLevel); "—" when usage is unknown. */
export function UsageBar(props: { used: number | null; total: number; format: (n: number) => string }): JSX.Element {
  if (props.used === null || props.total <= 0) {
    return <span class="muted">{props.total > 0 ? `— / ${props.format(props.total)}` : '—'}</span>;
  }
  const pct = Math.min(100, Math.round((props.used / props.total) * 100));
  const level = loadLevel(pct);
  return (
    <div class="usage" title={`${props.format(props.used)} of ${props.format(props.total)} (${pct}%)`}>
      <div class={`bar ${level}`} data-load={level}>
        <span style={`width:${pct}%`}></span>
      </div>
      <small safe>{`${pct}% · ${formatUsedOf(props.used, props.total, props.format)}`}</small>
    </div>
  );
}

const CAPABILITY_TEXT: Record<CapabilityName, string> = { pods: 'pods', logs: 'logs', apply: 'apply', selfUpdate: 'self-update', podMetrics: 'metrics' };

/** Every capability, on or off; `onlyEnabled` (the fleet table) keeps the row narrow. */
export function CapabilityChips(props: { capabilities: Capabilities | null; onlyEnabled?: boolean }): JSX.Element {
  if (!props.capabilities) return <span class="muted">—</span>;
  const caps = props.capabilities;
  const names = (Object.keys(CAPABILITY_TEXT) as CapabilityName[]).filter((k) => !props.onlyEnabled || caps[k]?.enabled);
  if (names.length === 0) return <span class="muted">none</span>;
  return (
    <span class="chips">
      {names.map((k) => (
        <span class={`chip${caps[k]?.enabled ? ' on' : ''}`} title={`${caps[k]?.enabled ? 'enabled' : 'disabled'} — ${caps[k]?.detectedBy ?? ''}`} safe>
          {CAPABILITY_TEXT[k]}
        </span>
      ))}
    </span>
  );
}

/**
 * The cluster name field of the create and settings forms: the browser checks the same rule the server does
 * (vocabulary.ts) and says it under the field. A cluster named before the rule keeps its name until renamed.
 */
export function ClusterNameInput(props: { value: string; placeholder?: string; autofocus?: boolean }): JSX.Element {
  return (
    <>
      <input
        type="text"
        name="name"
        value={props.value}
        required
        maxlength={String(CLUSTER_NAME_MAX)}
        pattern={CLUSTER_NAME_PATTERN}
        title={`Lowercase: ${CLUSTER_NAME_RULE}`}
        autocapitalize="none"
        spellcheck="false"
        autocomplete="off"
        placeholder={props.placeholder}
        autofocus={props.autofocus}
        aria-describedby="cluster-name-rule"
      />
      <small class="muted" id="cluster-name-rule">
        {`A DNS label, as Kubernetes names things: ${CLUSTER_NAME_RULE}.`}
      </small>
    </>
  );
}
