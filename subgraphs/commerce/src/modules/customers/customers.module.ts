import { defineModule, type KitModule, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { CustomerService } from './customers.service.ts';
import { createCustomerLoaders } from './customers.loaders.ts';
import { customerPolicies } from './customers.policies.ts';
import { customerResolvers } from './resolvers/index.ts';

/** Customers (retail outlets) and their sites. */
export const customersModule: KitModule<{ customers: CustomerService }, ReturnType<typeof createCustomerLoaders>> = defineModule({
  name: 'customers',
  resolvers: customerResolvers,
  policies: customerPolicies,
  loaders: createCustomerLoaders,
  services: (deps: SubgraphDeps<PrismaClient>) => ({ customers: new CustomerService(deps.prisma) }),
});
