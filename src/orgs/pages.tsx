import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller, clientIp } from '../http/caller';
import { badRequest, notFound } from '../http/errors';
import { redirect, renderPage, setFlash } from '../http/page';
import { setReveal, takeReveal } from '../http/reveal';
import { createSecretBox } from '../security/encryption';
import { recordAudit } from '../audit/store';
import { MembersPage } from '../../views/orgs/members';
import { OrgsPage } from '../../views/orgs/children';
import { defaultOrg, requireOrg } from './access';
import { addMember, changeMemberRole, removeMember } from './members';
import { createOrg, listMembers, roleAtLeast, isRole } from './store';
import { memberRefusal, orgRefusal } from './refusals';

const MEMBER_REFUSALS = {
  last_owner: 'An organization must keep at least one owner.',
  owner_only: 'Only an owner can make, change or remove an owner.',
  not_member: 'No such member.',
} as const;

const MEMBERS_PATH = '/settings/members';

export function orgsPages(deps: AppDeps) {
  const { db, config } = deps;
  const box = createSecretBox(config.secret);
  const secureCookie = config.publicUrl.startsWith('https://');
  return new Elysia({ name: 'orgs-pages' })
    .get('/settings/members', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const org = defaultOrg(caller);
      if (!org) throw notFound('organization');
      const added = takeReveal<{ email: string; temporaryPassword: string }>(ctx.cookie, box, caller, MEMBERS_PATH);
      const members = await listMembers(db, org.id);
      const body = (
        <MembersPage org={org} members={members} csrfToken={caller.session?.csrfToken ?? ''} canManage={roleAtLeast(org.role, 'admin')} added={added} />
      );
      return renderPage(caller, ctx.cookie, { title: 'Members', active: 'settings', body });
    })
    .post(
      '/settings/members',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.body.orgId, 'admin');
        if (!isRole(ctx.body.role)) throw badRequest('role: must be owner, admin, member or viewer');
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(ctx.body.email.trim())) throw badRequest('email: not a valid address');
        const actor = actorOf(caller, ctx, deps.config.trustProxy);
        const res = await addMember(db, deps.passwordHashing, actor, org, ctx.body.email, ctx.body.role);
        if (!res.ok && res.reason === 'already_member') {
          // The form is also how this page changes a member's role: through the same rules as the API's PATCH.
          const changed = await changeMemberRole(db, actor, org, res.userId, ctx.body.role);
          if (changed.ok) setFlash(ctx.cookie, { kind: 'ok', text: `${ctx.body.email.trim()} is now ${ctx.body.role}.` });
          else setFlash(ctx.cookie, { kind: 'error', text: MEMBER_REFUSALS[changed.reason] });
          return redirect('/settings/members');
        }
        if (!res.ok) throw memberRefusal(res.reason);
        // Post/redirect/get: a reload lists the members, it does not add again. A new account's temporary
        // password reaches the page sealed, once (reveal.ts).
        if (res.temporaryPassword)
          setReveal(ctx.cookie, box, caller, MEMBERS_PATH, { email: res.email, temporaryPassword: res.temporaryPassword }, secureCookie);
        setFlash(ctx.cookie, { kind: 'ok', text: `${res.email} is now ${res.role} of ${org.name}.` });
        return redirect(MEMBERS_PATH);
      },
      {
        body: t.Object({
          orgId: t.String({ maxLength: 64 }),
          email: t.String({ maxLength: 254 }),
          role: t.String({ maxLength: 16 }),
          _csrf: t.Optional(t.String()),
        }),
      },
    )
    .post(
      '/settings/members/:userId/remove',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.body.orgId, 'admin');
        const res = await removeMember(db, actorOf(caller, ctx, deps.config.trustProxy), org, ctx.params.userId).catch(() => ({
          ok: false as const,
          reason: 'not_member' as const,
        }));
        if (!res.ok) setFlash(ctx.cookie, { kind: 'error', text: MEMBER_REFUSALS[res.reason] });
        else setFlash(ctx.cookie, { kind: 'ok', text: 'Member removed.' });
        return redirect('/settings/members');
      },
      { body: t.Object({ orgId: t.String({ maxLength: 64 }), _csrf: t.Optional(t.String()) }) },
    )
    .get('/settings/orgs', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const parentChoices = caller.orgs.filter((o) => roleAtLeast(o.role, 'admin') && o.depth < 5);
      const body = <OrgsPage orgs={caller.orgs} csrfToken={caller.session?.csrfToken ?? ''} parentChoices={parentChoices} />;
      return renderPage(caller, ctx.cookie, { title: 'Organizations', active: 'settings', body });
    })
    .post(
      '/settings/orgs',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const parent = requireOrg(caller, ctx.body.parentId, 'admin');
        const name = ctx.body.name.trim();
        if (!name) throw badRequest('name: must not be empty');
        const res = await createOrg(db, { name, parent });
        if (!res.ok) throw orgRefusal(res);
        await recordAudit(db, {
          orgId: parent.id,
          actorUserId: caller.user.id,
          actor: caller.user.email,
          action: 'org.create',
          target: res.org.id,
          details: { name },
          ip: clientIp(ctx.request, ctx.server, deps.config.trustProxy),
        });
        setFlash(ctx.cookie, { kind: 'ok', text: `Organization "${name}" created.` });
        return redirect('/settings/orgs');
      },
      { body: t.Object({ parentId: t.String({ maxLength: 64 }), name: t.String({ maxLength: 100 }), _csrf: t.Optional(t.String()) }) },
    );
}
