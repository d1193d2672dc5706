// Every domain's tables, for drizzle-kit. Application code imports a domain's own schema.ts.
export * from '../accounts/schema';
export * from '../orgs/schema';
export * from '../audit/schema';
export * from '../clusters/schema';
export * from '../incidents/schema';
export * from '../commands/schema';
export * from '../streams/schema';
export * from '../inventory/schema';
export * from '../policies/schema';
export * from '../notifications/schema';
export * from '../rollouts/schema';
export * from '../deployments/schema';
export * from '../registries/schema';
export * from '../gitops/schema';
export * from '../deployments/waves-schema';
