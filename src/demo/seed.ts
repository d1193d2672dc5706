import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { HashGate } from '../accounts/hashing';
import { createUser, findUserByEmail, setPassword } from '../accounts/store';
import { createOrg, setMembership } from '../orgs/store';
import { orgs, type Org } from '../orgs/schema';

export const DEMO_DEFAULTS = { email: 'demo@niro.local', password: 'niro-demo-password' };

export type DemoTree = { userId: string; msp: Org; customers: Org[] };

async function findOrCreateOrg(db: Db, name: string, parent: Org | null, plan: Org['plan']): Promise<Org> {
  const cond = parent ? and(eq(orgs.name, name), eq(orgs.parentId, parent.id)) : and(eq(orgs.name, name), isNull(orgs.parentId));
  const [existing] = await db.select().from(orgs).where(cond);
  if (existing) return existing;
  const res = await createOrg(db, { name, parent, plan });
  if (!res.ok) throw new Error('demo org tree too deep');
  return res.org;
}

/**
 * Idempotent: the demo user (password reset to the given one) owning an MSP with two customers. `hashing`: the
 * password-hashing gate of the replica the demo runs.
 */
export async function seedDemo(db: Db, hashing: HashGate, login: { email: string; password: string }): Promise<DemoTree> {
  let user = await findUserByEmail(db, login.email);
  if (!user) user = await createUser(db, hashing, { email: login.email, password: login.password, name: 'Demo Operator' });
  else await setPassword(db, hashing, user.id, login.password);
  const msp = await findOrCreateOrg(db, 'Northwind MSP', null, 'enterprise');
  const customers = [await findOrCreateOrg(db, 'Contoso Retail', msp, 'pro'), await findOrCreateOrg(db, 'Fabrikam Factories', msp, 'enterprise')];
  await setMembership(db, msp.id, user.id, 'owner');
  return { userId: user.id, msp, customers };
}
