import type { Role, Viewer } from '@omniroute/core';
import { newEventId, type DomainEvent } from '@omniroute/events';
import { callSubgraph, nodes } from '@omniroute/testkit';

export const SECRET = 'finance-test-secret';
export const LAGOS = 'tnt_LAGOS';
export const ACCRA = 'tnt_ACCRA';

export const viewer = (tenantId: string, ...roles: Role[]): Viewer => ({ tenantId, userId: `usr_${tenantId}`, roles, scopes: [] });
export const lagosAdmin = viewer(LAGOS, 'ADMIN');
export const lagosFinance = viewer(LAGOS, 'FINANCE');
export const lagosSales = viewer(LAGOS, 'SALES_REP');
/** A partner key granted finance:write (a payment provider); a key without it may not pay (issue 12). */
export const lagosPartner: Viewer = { tenantId: LAGOS, partnerId: 'ptn_1', roles: ['PARTNER'], scopes: ['finance:write'] };
export const accraAdmin = viewer(ACCRA, 'ADMIN');
export const accraFinance = viewer(ACCRA, 'FINANCE');

/** A GraphQL client bound to one subgraph URL, signed like the gateway. */
export function client(url: string) {
  return <T = any>(v: Viewer | null, query: string, variables: Record<string, unknown> = {}) => callSubgraph<T>({ url, name: 'finance' }, SECRET, v, query, variables);
}

export { nodes };

export const INVOICE_FIELDS = 'id number status total { amount currencyCode } amountPaid { amount } amountDue { amount currencyCode } issuedAt dueDate payments { id status provider method reference amount { amount currencyCode } }';

export const RECORD_PAYMENT = `mutation($i: RecordPaymentInput!) { recordPayment(input: $i) {
  payment { id status provider method reference receivedAt amount { amount currencyCode } invoice { id } }
  invoice { ${INVOICE_FIELDS} }
  userErrors { code field message } } }`;

export const CREDIT_LINE = 'creditLine { limit { amount currencyCode } available { amount } utilized { amount } score status currencyCode reviewedAt }';

export const LEDGER_BALANCE = '{ ledgerBalance { currencyCode debits { amount } credits { amount } net { amount } balanced accounts { account balance { amount } } } }';

export const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { __typename
  ... on Order { id invoice { status amountDue { amount } } }
  ... on Customer { id ${CREDIT_LINE} }
  ... on Invoice { id number status } } }`;

/** A domain event of the Lagos tenant as its producer publishes it (commerce unless named), occurring now. */
export const event = (type: string, aggregateId: string, payload: object, source = 'commerce'): DomainEvent => ({
  id: newEventId(), type, tenantId: LAGOS, aggregateId, payload: payload as Record<string, unknown>, occurredAt: new Date().toISOString(), source,
});
