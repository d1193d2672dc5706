import Html from '@kitajs/html';
import { podLogsPath, workloadLogsPath } from './pods';
import { STREAM_ENDED_EVENT } from './viewer-ids';
import { plural } from '../shared/format';

/** Where the viewer of one pod says that the pod is gone, and offers the pods that replaced it. */
export const POD_GONE_ID = 'log-pod-gone';
/** The pod's status chip in the viewer's crumbs. */
export const POD_STATUS_ID = 'log-pod-status';

export type ReplacementView = { ownerKind: string; ownerName: string; pods: { name: string; status: string; restarts: number }[] };

/** Path of the fragment that tells whether the pod is gone (POD_GONE_ID's source). */
export function podGonePath(clusterId: string, namespace: string, pod: string): string {
  return `${podLogsPath(clusterId, namespace, pod)}/gone`;
}

/** Until a stream of the pod ends, nothing: then it asks (once) whether the pod is still there. */
export function PodGonePlaceholder(props: { clusterId: string; namespace: string; pod: string }): JSX.Element {
  return (
    <div
      id={POD_GONE_ID}
      hx-get={podGonePath(props.clusterId, props.namespace, props.pod)}
      hx-trigger={`${STREAM_ENDED_EVENT} from:body`}
      hx-swap="outerHTML"
    ></div>
  );
}

/**
 * The pod is no longer in the cluster: a rollout replaced it, or it was evicted or deleted. Its log cannot be
 * read any more; the workload's current pods can. With `oob`, the status chip in the crumbs says "gone" too.
 */
export function PodGone(props: { clusterId: string; namespace: string; pod: string; replacement: ReplacementView | null; oob?: boolean }): JSX.Element {
  const r = props.replacement;
  return (
    <>
      <div id={POD_GONE_ID} class="panel" data-pod-gone>
        <p
          safe
        >{`Pod ${props.namespace}/${props.pod} is no longer in the cluster: a rollout replaced it, or it was evicted or deleted. Its log can no longer be read.`}</p>
        {r && r.pods.length ? (
          <>
            <p safe>{`The current pods of ${r.ownerKind}/${r.ownerName}:`}</p>
            <ul class="replacements">
              {r.pods.map((p) => (
                <li data-replacement={p.name}>
                  <a class="mono" href={podLogsPath(props.clusterId, props.namespace, p.name)} safe>
                    {p.name}
                  </a>{' '}
                  <span class="muted" safe>{`${p.status} · ${plural(p.restarts, 'restart')}`}</span>
                </li>
              ))}
            </ul>
            <p>
              <a class="button secondary" href={workloadLogsPath(r.ownerKind, r.ownerName, props.namespace, [props.clusterId])} safe>
                {`Tail all of ${r.ownerKind}/${r.ownerName}`}
              </a>
            </p>
          </>
        ) : (
          <p class="muted">No pod of a workload by that name runs in this namespace now.</p>
        )}
      </div>
      {props.oob ? (
        <span id={POD_STATUS_ID} class="chip" hx-swap-oob="true">
          gone
        </span>
      ) : (
        ''
      )}
    </>
  );
}
