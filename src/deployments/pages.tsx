// /deployments: a placeholder until managed deployments exist, so the nav entry is honest.
import Html from '@kitajs/html';
import { Elysia } from 'elysia';
import type { AppDeps } from '../deps';
import { requireCaller } from '../http/caller';
import { renderPage } from '../http/page';

export function deploymentsPages(deps: AppDeps) {
  return new Elysia({ name: 'deployments-pages' }).get('/deployments', async (ctx) => {
    const caller = await requireCaller(deps.db, ctx);
    const body = (
      <>
        <h1>Deployments</h1>
        <p class="empty">Managed deployments are not available yet.</p>
      </>
    );
    return renderPage(caller, ctx.cookie, { title: 'Deployments', active: 'deployments', body });
  });
}
