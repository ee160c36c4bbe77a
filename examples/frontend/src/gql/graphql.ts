/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** ISO 4217 currency codes OmniRoute trades in: West/East African currencies and USD for cross-border. */
export type CurrencyCode =
  /** Ghanaian cedi */
  | 'GHS'
  /** Kenyan shilling */
  | 'KES'
  /** Nigerian naira */
  | 'NGN'
  /** Tanzanian shilling */
  | 'TZS'
  /** US dollar (cross-border) */
  | 'USD'
  /** West African CFA franc */
  | 'XOF';

/** Where an order is in its life: PENDING (credit check) → CONFIRMED → PACKED → DISPATCHED → DELIVERED, or REJECTED / CANCELLED. */
export type OrderStatus =
  /** Cancelled before dispatch; stock released. */
  | 'CANCELLED'
  /** Credit approved; waiting to be packed and shipped. */
  | 'CONFIRMED'
  /** Handed over to the customer. */
  | 'DELIVERED'
  /** On its way; stock has left the location. */
  | 'DISPATCHED'
  /** Packed at the location, waiting for a vehicle. */
  | 'PACKED'
  /** Placed, stock reserved, waiting for the credit check. */
  | 'PENDING'
  /** Credit refused; stock released. */
  | 'REJECTED';

export type StorefrontCatalogQueryVariables = Exact<{
  first: number;
}>;


export type StorefrontCatalogQuery = { customers: { edges: Array<{ node: { id: string, name: string } }> } };

export type StorefrontOrderQueryVariables = Exact<{
  id: string | number;
}>;


export type StorefrontOrderQuery = { order: { number: string, status: OrderStatus, total: { amount: string, currencyCode: CurrencyCode }, lines: Array<{ quantity: number, unitPrice: { amount: string }, variant: { sku: string, product: { name: string } } }> } | null };


export const StorefrontCatalogDocument = {"__meta__":{"hash":"sha256:5f274a7ee3e6e2a71d2ecdfb55d6dc6b050b8eac4f36c6e39924ffea2a58dacd"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"StorefrontCatalog"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"customers"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]} as unknown as DocumentNode<StorefrontCatalogQuery, StorefrontCatalogQueryVariables>;
export const StorefrontOrderDocument = {"__meta__":{"hash":"sha256:65138340c443426e3c4d85d2af7d4ab2182ad8af2e85aa88d01fc3dcbb0ac3b1"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"StorefrontOrder"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"order"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"number"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"total"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currencyCode"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"unitPrice"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"variant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sku"}},{"kind":"Field","name":{"kind":"Name","value":"product"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<StorefrontOrderQuery, StorefrontOrderQueryVariables>;