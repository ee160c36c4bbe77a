// The storefront's operations, written inline with `graphql()`: graphql-codegen's client preset turns each into a
// typed document (result and variables types) with its sha256 hash embedded, and lists them all in
// gql/persisted-documents.json — the partner safelist (persisted-manifest.json, see ../codegen.ts).
import { graphql } from './gql/index.ts';

export const StorefrontCatalog = graphql(`
  query StorefrontCatalog($first: Int!) {
    customers(first: $first) { edges { node { id name } } }
  }
`);

export const StorefrontOrder = graphql(`
  query StorefrontOrder($id: ID!) {
    order(id: $id) {
      number
      status
      total { amount currencyCode }
      lines { quantity unitPrice { amount } variant { sku product { name } } }
    }
  }
`);
