import { Kind, parse, type DocumentNode } from 'graphql';

/**
 * What to run. GraphiQL keeps an operation name and a parsed document per tab, and on a quick tab switch it can send
 * the new tab's text with the previous tab's name and parsed document: the gateway then answered "Unknown operation
 * named …", or a subscription went over HTTP because the stale document said "query". So the document is parsed from
 * the text actually sent, and a document with one operation runs that operation; with several, GraphiQL's choice of
 * name stands. Text that does not parse is sent as it is (the gateway answers the syntax error).
 */
export function runnable(query: string, operationName: string | null | undefined): { operationName: string | null | undefined; documentAST?: DocumentNode } {
  let documentAST: DocumentNode;
  try {
    documentAST = parse(query);
  } catch {
    return { operationName };
  }
  const names = documentAST.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value] : []));
  return { operationName: names.length === 1 ? names[0] ?? null : operationName, documentAST };
}
