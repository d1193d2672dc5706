import Html from '@kitajs/html';
import { SettingsNav } from '../settings/nav';
import { THRESHOLD_BOUNDS } from '../../src/incidents/vocabulary';

export type ThresholdRow = { orgId: string; orgName: string; pendingAfterSeconds: number; unavailableAfterSeconds: number; canEdit: boolean };

const minutes = (s: number): string => String(Math.round(s / 60));

/** Per organization: how long a pod may be Pending, and a workload short of ready replicas, before an incident opens. */
export function IncidentSettingsPage(props: { rows: ThresholdRow[]; csrfToken: string }): JSX.Element {
  const min = THRESHOLD_BOUNDS.min / 60;
  const max = THRESHOLD_BOUNDS.max / 60;
  return (
    <>
      <h1>Settings</h1>
      <SettingsNav active="incidents" />
      <p class="muted" safe>
        {`How long a condition must last before its incident opens, per organization (its clusters). Organization admins can change them; ${min}–${max} minutes.`}
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Organization</th>
              <th>Pod pending too long after (min)</th>
              <th>Workload unavailable after (min)</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr data-thresholds={r.orgId}>
                <td safe>{r.orgName}</td>
                {r.canEdit ? (
                  <td colspan="3">
                    <form method="post" action="/settings/incidents" class="row">
                      <input type="hidden" name="_csrf" value={props.csrfToken} />
                      <input type="hidden" name="orgId" value={r.orgId} />
                      <input
                        type="number"
                        name="pendingMinutes"
                        value={minutes(r.pendingAfterSeconds)}
                        min={String(min)}
                        max={String(max)}
                        aria-label="Pending too long after, minutes"
                      />
                      <input
                        type="number"
                        name="unavailableMinutes"
                        value={minutes(r.unavailableAfterSeconds)}
                        min={String(min)}
                        max={String(max)}
                        aria-label="Workload unavailable after, minutes"
                      />
                      <button>Save</button>
                    </form>
                  </td>
                ) : (
                  <>
                    <td safe>{minutes(r.pendingAfterSeconds)}</td>
                    <td safe>{minutes(r.unavailableAfterSeconds)}</td>
                    <td></td>
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
