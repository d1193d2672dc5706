import { pgTable, uuid, text, timestamp, integer, primaryKey, index, check } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { users } from '../accounts/schema';

export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

/** Highest first: a role can do everything the ones after it can. */
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Depth of the root is 0; a tree deeper than this is refused. */
export const MAX_ORG_DEPTH = 5;

export const orgs = pgTable(
  'orgs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // A parent is set once at creation and never changed, which is what keeps the tree acyclic.
    parentId: uuid('parent_id').references((): any => orgs.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    plan: text('plan').$type<Plan>().notNull().default('free'),
    depth: integer('depth').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('orgs_parent_idx').on(t.parentId),
    check('orgs_plan_check', sql`${t.plan} in ('free','pro','enterprise')`),
    check('orgs_depth_check', sql`${t.depth} >= 0 and ${t.depth} <= 5`),
  ],
);

export const memberships = pgTable(
  'memberships',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').$type<Role>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.userId] }),
    index('memberships_user_idx').on(t.userId),
    check('memberships_role_check', sql`${t.role} in ('owner','admin','member','viewer')`),
  ],
);

export type Org = typeof orgs.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
