import { pgTable, uuid, text, timestamp, index, uniqueIndex } from 'drizzle-orm/pg-core';
import { orgs } from '../orgs/schema';
import { users } from '../accounts/schema';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * Credentials for pulling private images, per organization (they serve its whole subtree). The password or
 * token exists only sealed (src/security/encryption.ts, context `registry:<id>:password`); it is opened only
 * when a command carrying a reference to it is handed to an agent (src/registries/delivery.ts).
 */
export const registries = pgTable(
  'registries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    /** A DNS-1123 label, unique in the org: also the name of the pull Secret in clusters. */
    name: text('name').notNull(),
    /** The registry host as images name it (`ghcr.io`, `registry.example.com:5000`; Docker Hub is `docker.io`). */
    server: text('server').notNull(),
    username: text('username').notNull(),
    /** The sealed password or token. */
    sealedPassword: text('sealed_password').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** When the password was last set (creation or rotation). */
    rotatedAt: ts('rotated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('registries_org_name_idx').on(t.orgId, t.name), index('registries_org_server_idx').on(t.orgId, t.server)],
);

export type Registry = typeof registries.$inferSelect;
