import { authorize, badUserInput, objectRuleOf, pageWindow, requireBoundCustomer, toConnection, type Connection, type ConnectionArgs } from '@omniroute/core';
import type { Customer, CustomerType, Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import { MAX_STRING } from '../orders/order-input.ts';
import type { RequestScope } from '../../context.ts';
import { customerPolicies } from './customers.policies.ts';
import { repCustomerWhere, repReachesCustomer } from '../territories/rep-territories.ts';

export interface CustomerFilter {
  type?: CustomerType | null;
  search?: string | null;
}

/** Customers: the businesses a tenant sells to, read within the viewer's tenant. */
export class CustomerService {
  constructor(private readonly prisma: PrismaClient) {}

  /** A customer by id in the viewer's tenant, or null (retailers: any customer but their own is null). */
  async customer(scope: RequestScope, id: string): Promise<Customer | null> {
    const policy = customerPolicies['Query.customer'];
    const v = authorize(policy, scope.viewer);
    const rule = objectRuleOf(policy, v);
    if (rule === 'OWN_CUSTOMER' && id !== requireBoundCustomer(v)) return null;
    // a sales rep: customers outside their territories look like unknown ids
    if (rule === 'OWN_TERRITORY' && !(await repReachesCustomer(this.prisma, v, id))) return null;
    return scope.loaders.customerById.load(id);
  }

  async customers({ viewer }: RequestScope, args: ConnectionArgs & { filter?: CustomerFilter | null }): Promise<Connection<Customer>> {
    const policy = customerPolicies['Query.customers'];
    const v = authorize(policy, viewer);
    // a retailer's list is its own customer
    const rule = objectRuleOf(policy, v);
    const own = rule === 'OWN_CUSTOMER' ? requireBoundCustomer(v) : null;
    const territory = rule === 'OWN_TERRITORY' ? await repCustomerWhere(this.prisma, v) : null;
    const { first, afterId } = pageWindow(args);
    const f = args.filter ?? {};
    const search = f.search?.trim();
    if (search && search.length > MAX_STRING) throw badUserInput(`filter.search is longer than ${MAX_STRING} characters`, ['filter', 'search']);
    const where: Prisma.CustomerWhereInput = {
      tenantId: v.tenantId,
      ...(own ? { AND: [{ id: own }] } : territory ? { AND: [territory] } : {}),
      ...(afterId ? { id: { gt: afterId } } : {}),
      ...(f.type ? { type: f.type } : {}),
      ...(search ? { OR: [{ name: { contains: search, mode: 'insensitive' } }, { phone: { startsWith: search } }] } : {}),
    };
    const rows = await this.prisma.customer.findMany({ where, orderBy: { id: 'asc' }, take: first + 1 });
    return toConnection(rows, first, afterId);
  }
}
