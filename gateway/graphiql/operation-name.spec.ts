import { describe, expect, it } from 'vitest';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { runnable } from './operation-name.ts';

const operations = (r: ReturnType<typeof runnable>) =>
  r.documentAST!.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION).map((d) => `${d.operation} ${d.name?.value}`);

describe('runnable (GraphiQL sends the operation of the text it sends)', () => {
  it("runs a one-operation document's own operation, whatever name the previous tab left", () => {
    const r = runnable('subscription LiveFleet { vehiclePositionUpdated { id } }', 'OrderDetail');
    expect(r.operationName).toBe('LiveFleet');
    expect(operations(r)).toEqual(['subscription LiveFleet']); // the fetcher picks graphql-ws from this document
    expect(runnable('query Me { me { name } }', undefined).operationName).toBe('Me');
  });
  it('sends no name for one anonymous operation (fragments do not count)', () => {
    expect(runnable('{ me { ...F } } fragment F on User { name }', 'Stale').operationName).toBeNull();
  });
  it("keeps GraphiQL's choice of name when the document has several operations", () => {
    const r = runnable('query A { me { name } } subscription B { orderStatusChanged { id } }', 'B');
    expect(r.operationName).toBe('B');
    expect(operations(r)).toEqual(['query A', 'subscription B']);
    expect(runnable('query A { me { name } } query B { me { email } }', 'C').operationName).toBe('C');
  });
  it('sends text that does not parse as it is, with no document', () => {
    expect(runnable('query A {', 'A')).toEqual({ operationName: 'A' });
  });
});
