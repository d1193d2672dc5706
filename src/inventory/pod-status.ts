// What a pod's kubectl STATUS (the contract's PodDetail.status) says about it: fine, finished, on its
// way, or failing. The fleet pod index derives its failing and pending flags from these lists, the pod
// drawer the same problem reasons for one pod, and the status badges their colour. Pure (no db, no
// config), so views import it too.

export const RUNNING_STATUSES = ['Running'] as const;
/** Every container ended well. */
export const DONE_STATUSES = ['Completed', 'Succeeded'] as const;
/** Fine or finished; a STATUS neither healthy nor in progress counts as failing. */
export const HEALTHY_STATUSES = [...RUNNING_STATUSES, ...DONE_STATUSES] as const;
/** On their way (Terminating too, though only the others can become "pending" problems). */
export const PROGRESS_STATUSES = ['Pending', 'ContainerCreating', 'PodInitializing', 'Terminating'] as const;

/** Init containers still making progress: "Init:0/2". Written so Postgres and JavaScript read it alike. */
export const INIT_PROGRESS_PATTERN = '^Init:[0-9]+/[0-9]+$';
const INIT_PROGRESS = new RegExp(INIT_PROGRESS_PATTERN);

export function isInitProgress(status: string): boolean {
  return INIT_PROGRESS.test(status);
}
