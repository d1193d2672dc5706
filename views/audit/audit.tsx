import Html from '@kitajs/html';
import { EmptyRow } from '../shared/empty-row';
import { Pager } from '../shared/pager';
import { SettingsNav } from '../settings/nav';

export type AuditRow = {
  id: number;
  orgName: string;
  actor: string;
  action: string;
  target: string;
  ip: string | null;
  at: Date;
  details: Record<string, unknown>;
};

export function AuditPage(props: { rows: AuditRow[]; nextCursor: string | null; allowed: boolean }): JSX.Element {
  return (
    <>
      <h1>Settings</h1>
      <SettingsNav active="audit" />
      {!props.allowed ? (
        <p class="empty">The audit log is visible to org admins and owners.</p>
      ) : (
        <>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>When</th>
                  <th>Organization</th>
                  <th>Who</th>
                  <th>Action</th>
                  <th>Target</th>
                  <th>Details</th>
                  <th>Source IP</th>
                </tr>
              </thead>
              <tbody>
                {props.rows.length === 0 ? (
                  <EmptyRow columns={7}>Nothing recorded yet.</EmptyRow>
                ) : (
                  props.rows.map((r) => (
                    <tr>
                      <td safe>{r.at.toISOString().replace('T', ' ').slice(0, 19)}</td>
                      <td safe>{r.orgName}</td>
                      <td safe>{r.actor}</td>
                      <td class="mono" safe>
                        {r.action}
                      </td>
                      <td class="mono" safe>
                        {r.target}
                      </td>
                      <td class="wrap mono" safe>
                        {JSON.stringify(r.details)}
                      </td>
                      <td class="mono" safe>
                        {r.ip ?? ''}
                      </td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
          <Pager href={props.nextCursor ? `/settings/audit?cursor=${props.nextCursor}` : null} label="Older →" />
        </>
      )}
    </>
  );
}
