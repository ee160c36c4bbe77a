// What the composed graph offers right now. The dashboard asks the gateway once (introspection) and builds its
// operations from the fields that exist, so panels degrade one by one while subgraphs are still landing instead
// of the whole page failing validation. Without introspection (disabled in production) it trusts the contract.

export interface Capabilities {
  introspected: boolean;
  has(type: string, field: string): boolean;
  /** Named type of a field (lists and non-null unwrapped). */
  typeOf(type: string, field: string): string | undefined;
  /** Fields of an object type (empty for scalars, unknown types, and without introspection). */
  fieldsOf(type: string): string[];
  queryType: string;
  subscriptionType: string | null;
}

interface TypeRef { kind: string; name: string | null; ofType?: TypeRef | null }

export const CAPABILITIES_QUERY = `query DashboardCapabilities {
  __schema {
    queryType { name }
    subscriptionType { name }
    types { name fields { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } }
  }
}`;

/** Fields outside the published contract (ARCHITECTURE.md): assumed absent unless introspection shows them. */
const NOT_IN_CONTRACT = new Set([
  'coldChainAlert', 'coldChainAlerts', 'temperatureC', 'shipments', 'routePlans',
  'Location.position', 'Customer.position', 'Territory.boundary', 'Territory.polygon', 'Territory.geometry', 'Territory.geojson', 'Territory.geoJson',
]);

const named = (t: TypeRef | null | undefined): string | undefined => (t ? t.name ?? named(t.ofType) : undefined);

export function capabilitiesFrom(schema: {
  queryType: { name: string } | null;
  subscriptionType: { name: string } | null;
  types: { name: string; fields: { name: string; type: TypeRef }[] | null }[];
}): Capabilities {
  const fields = new Map<string, Map<string, string | undefined>>();
  for (const t of schema.types) {
    if (!t.fields) continue;
    fields.set(t.name, new Map(t.fields.map((f) => [f.name, named(f.type)])));
  }
  const queryType = schema.queryType?.name ?? 'Query';
  const subscriptionType = schema.subscriptionType?.name ?? null;
  const alias = (type: string) => (type === 'Query' ? queryType : type === 'Subscription' ? subscriptionType ?? '' : type);
  return {
    introspected: true,
    queryType,
    subscriptionType,
    has: (type, field) => fields.get(alias(type))?.has(field) ?? false,
    typeOf: (type, field) => fields.get(alias(type))?.get(field),
    fieldsOf: (type) => [...(fields.get(alias(type))?.keys() ?? [])],
  };
}

export const CONTRACT_CAPABILITIES: Capabilities = {
  introspected: false,
  queryType: 'Query',
  subscriptionType: 'Subscription',
  has: (type, field) => !NOT_IN_CONTRACT.has(field) && !NOT_IN_CONTRACT.has(`${type}.${field}`),
  typeOf: () => undefined,
  fieldsOf: () => [],
};

/** A selection wish list: `true` for a leaf, an object for a sub-selection; arguments go in the key. */
export interface Spec { [fieldWithArgs: string]: true | Spec }

/** Renders the part of `spec` that exists on `type` ("" when nothing does). */
export function select(caps: Capabilities, type: string, spec: Spec): string {
  const parts: string[] = [];
  for (const [key, sub] of Object.entries(spec)) {
    const name = key.split('(')[0]!.trim();
    if (!caps.has(type, name)) continue;
    if (sub === true) {
      parts.push(key);
      continue;
    }
    const inner = select(caps, caps.typeOf(type, name) ?? '', sub);
    if (inner) parts.push(`${key} { ${inner} }`);
  }
  return parts.join(' ');
}

