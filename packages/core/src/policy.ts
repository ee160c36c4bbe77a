// The authorization model of the graph: scopes, what users' roles imply, and a policy per field, enforced by every
// subgraph (createSubgraph wraps each policed resolver) — the gateway's @requiresScopes is only the first line.
// docs/authorization.md is generated from the policy tables (`npm run authz-docs`).
import { defaultFieldResolver, isObjectType, Kind, valueFromASTUntyped, type GraphQLField, type GraphQLSchema } from 'graphql';
import { ROLES, type Role, type Viewer } from './context.ts';
import { forbidden, unauthenticated } from './errors.ts';

/** The scope vocabulary: what an API key may be granted (`createApiKey(scopes:)`), and what users' roles imply. */
export const SCOPES = {
  'catalog:read': 'Products and variants, price quotes, locations and their stock.',
  'catalog:write': "Product settings, such as a product's temperature range.",
  'customers:read': "The tenant's customers and their contact details (`Customer.phone`).",
  'orders:read': 'Orders with their lines, and the `orderUpdated` subscription.',
  'orders:write': 'Placing orders; cancelling orders (keys: only those their partner app placed).',
  'finance:read': 'Invoices and payments, credit lines (`Order.invoice`, `Customer.creditLine`), the ledger.',
  'finance:write': 'Recording payments; setting credit limits.',
  'logistics:read': 'Territories, vehicles and their positions, shipments, and their subscriptions.',
  'logistics:write': 'Dispatching shipments and confirming deliveries.',
  'telemetry:write': 'Reporting vehicle positions and temperatures (telematics).',
  'workforce:read': 'Workers, tasks and bids.',
  'workforce:write': 'Bidding, awarding, completing and rating tasks; withdrawals.',
  'visits:write': "Sales visits: planning a rep's beat and checking in and out of customer visits.",
  'inventory:read': 'The stock ledger (movements), suppliers, purchase orders, cycle counts and van reconciliations.',
  'inventory:write': 'Receiving goods, adjusting, transferring and counting stock; loading, returning and reconciling vans.',
  'inventory:approve': 'Approving or rejecting cycle-count variances (write-offs).',
} as const;
export type Scope = keyof typeof SCOPES;

/**
 * Scopes users' roles imply: a user's token carries roles, and the gateway's @requiresScopes and the subgraphs'
 * policies both read the user's scopes through this one table. API keys get exactly the scopes granted to them
 * (their PARTNER role implies nothing). Every role a policy admits must imply the policy's scopes
 * (checked when a subgraph builds).
 */
export const ROLE_SCOPES: Readonly<Record<Role, readonly string[]>> = {
  ADMIN: ['*'],
  OPERATIONS: ['catalog:read', 'catalog:write', 'customers:read', 'orders:read', 'orders:write', 'finance:read', 'logistics:read', 'logistics:write', 'telemetry:write', 'workforce:read', 'workforce:write', 'visits:write', 'inventory:read', 'inventory:write'],
  SALES_REP: ['catalog:read', 'customers:read', 'orders:read', 'orders:write', 'finance:read', 'logistics:read', 'visits:write', 'inventory:read', 'inventory:write'],
  FINANCE: ['catalog:read', 'customers:read', 'orders:read', 'finance:read', 'finance:write', 'logistics:read', 'workforce:read', 'workforce:write', 'inventory:read', 'inventory:approve'],
  RIDER: ['customers:read', 'logistics:read', 'logistics:write', 'telemetry:write', 'workforce:read', 'workforce:write'],
  RETAILER: ['catalog:read', 'customers:read', 'orders:read', 'orders:write', 'finance:read'],
  PARTNER: [],
};

/**
 * Rules on the object itself, applied by the service after the policy check (the policy names which role gets
 * which rule; the service asks with `objectRuleOf`). Lists are narrowed to the caller's objects, lookups of
 * another's object answer null, and writes on another's object are refused with FORBIDDEN.
 */
export const OBJECT_RULES = {
  OWN_CUSTOMER: 'only the customer the user account is bound to (`customerId` claim), its orders, invoices and credit line',
  OWN_APP_ORDERS: 'only orders placed through the same partner app',
  OWN_SHIPMENT: 'only shipments assigned to the rider (`Shipment.rider` is their worker)',
  OWN_VEHICLE: 'only the vehicle of a shipment assigned to the rider that is ASSIGNED or IN_TRANSIT',
  OWN_WORKER: 'only their own worker (`workerId` claim / the worker of their account)',
  OWN_TERRITORY: 'only the customers in the territories assigned to the sales rep (logistics assigns them; commerce keeps a replica), and their orders',
  OWN_VISITS: "only the sales rep's own beat plans, visits and strike rate",
  OWN_VAN: 'only the van they operate (`Location.operator` is their user): its loads, returns, customer returns and reconciliations',
} as const;
export type ObjectRule = keyof typeof OBJECT_RULES;

/** Who may resolve one field. ADMIN users always may (except `access: 'gateway'`). */
export interface Policy {
  /**
   * `anyone`: anonymous callers too; `signedIn`: any verified user or key, no scope; `gateway`: only the gateway's
   * own signed internal calls. Absent: `roles` decide.
   */
  access?: 'anyone' | 'signedIn' | 'gateway';
  /** Roles besides ADMIN that may call it. PARTNER opens it to every API key; a key's granted roles count too. */
  roles?: readonly Role[];
  /** Scopes an API key must hold, all of them (users hold them through their roles: ROLE_SCOPES). */
  scopes?: readonly Scope[];
  /** The object rule the service applies to callers who reach the field only through this role. */
  rules?: Partial<Record<Role, ObjectRule>>;
  /** A line for docs/authorization.md when the reason is not obvious. */
  note?: string;
}

/** Policies by field coordinate, `Query.orders`, `Customer.phone`. */
export type PolicyTable = Readonly<Record<string, Policy>>;

/** Root fields @apollo/subgraph adds for federation; entities behind `_entities` resolve through tenant-scoped loaders. */
export const FEDERATION_ROOT_FIELDS: ReadonlySet<string> = new Set(['Query._entities', 'Query._service']);

const scopeCache = new WeakMap<Viewer, ReadonlySet<string>>();

/** A viewer's scopes: a key's granted scopes; for users, also every scope their roles imply. */
export function effectiveScopes(viewer: Viewer): ReadonlySet<string> {
  let s = scopeCache.get(viewer);
  if (!s) {
    const set = new Set(viewer.scopes ?? []);
    if (!viewer.partnerId) for (const r of viewer.roles) for (const x of ROLE_SCOPES[r] ?? []) set.add(x);
    scopeCache.set(viewer, (s = set));
  }
  return s;
}

/** ADMIN users; a key never is one, whatever its roles say (identity refuses to grant ADMIN to keys). */
export const isAdmin = (viewer: Viewer): boolean => !viewer.partnerId && viewer.roles.includes('ADMIN');

export type Decision = { ok: true } | { ok: false; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; message: string };
const ALLOWED: Decision = { ok: true };

/** Whether `viewer` may resolve a field under `policy` (`internalCaller`: 'gateway' for the gateway's own calls). */
export function decide(policy: Policy, viewer: Viewer | null, internalCaller: string | null = null, coordinate = 'this field'): Decision {
  if (policy.access === 'anyone') return ALLOWED;
  if (policy.access === 'gateway') return internalCaller === 'gateway' ? ALLOWED : { ok: false, code: 'FORBIDDEN', message: `${coordinate} is internal` };
  if (!viewer) return { ok: false, code: 'UNAUTHENTICATED', message: `${coordinate} requires authentication` };
  if (policy.access === 'signedIn') return ALLOWED;
  const roles = policy.roles ?? [];
  if (!isAdmin(viewer) && !viewer.roles.some((r) => r !== 'ADMIN' && roles.includes(r))) {
    const who = ['ADMIN', ...roles.filter((r) => r !== 'PARTNER')].join(', ');
    return { ok: false, code: 'FORBIDDEN', message: `Not authorized to access ${coordinate} (roles: ${who}${roles.includes('PARTNER') ? '; API keys with the scopes' : ''})` };
  }
  const scopes = effectiveScopes(viewer);
  if (!scopes.has('*')) {
    const missing = (policy.scopes ?? []).filter((s) => !scopes.has(s));
    // worded like the gateway's @requiresScopes refusal, which names every scope the field needs
    if (missing.length) return { ok: false, code: 'FORBIDDEN', message: `Not authorized to access ${coordinate} (requires scope ${policy.scopes!.join(' and ')})` };
  }
  return ALLOWED;
}

function refusal(d: Extract<Decision, { ok: false }>) {
  return d.code === 'UNAUTHENTICATED' ? unauthenticated(d.message) : forbidden(d.message);
}

/**
 * A service's permission check: the viewer when `policy` admits it, else throws FORBIDDEN (UNAUTHENTICATED for
 * anonymous callers). Services check again what the subgraph checked before the resolver ran, so that a service
 * called from elsewhere is no weaker than its field.
 */
export function authorize(policy: Policy, viewer: Viewer | null | undefined, coordinate?: string): Viewer {
  if (!viewer) throw unauthenticated();
  const d = decide(policy, viewer, null, coordinate);
  if (!d.ok) throw refusal(d);
  return viewer;
}

/**
 * The object rule a service must apply for this caller, or null when the caller is unrestricted: ADMIN, or one of
 * its roles the policy admits without a rule. (A user who is both SALES_REP and RETAILER acts as the sales rep.)
 */
export function objectRuleOf(policy: Policy, viewer: Viewer): ObjectRule | null {
  if (isAdmin(viewer)) return null;
  const roles = policy.roles ?? [];
  let rule: ObjectRule | null = null;
  for (const r of viewer.roles) {
    if (r === 'ADMIN' || !roles.includes(r)) continue;
    const own = policy.rules?.[r];
    if (!own) return null;
    rule ??= own;
  }
  return rule;
}

/** The customer a RETAILER user acts for; FORBIDDEN when the account is bound to none. */
export function requireBoundCustomer(viewer: Viewer): string {
  if (!viewer.customerId) throw forbidden('This account is not bound to a customer');
  return viewer.customerId;
}

/** The worker a RIDER user is; FORBIDDEN when the account is bound to none. */
export function requireBoundWorker(viewer: Viewer): string {
  if (!viewer.workerId) throw forbidden('This account is not bound to a worker');
  return viewer.workerId;
}

/** Merges per-module tables; a coordinate in two tables is a mistake. */
export function mergePolicies(tables: readonly PolicyTable[]): PolicyTable {
  const out: Record<string, Policy> = {};
  for (const t of tables) {
    for (const [k, p] of Object.entries(t)) {
      if (out[k]) throw new Error(`policy for ${k} is declared twice`);
      out[k] = p;
    }
  }
  return out;
}

/** The scope sets of a field's `@requiresScopes` in the subgraph SDL (OR of ANDs), or null without one. */
function requiredScopesInSdl(field: GraphQLField<unknown, unknown>): string[][] | null {
  const d = field.astNode?.directives?.find((x) => x.name.value === 'requiresScopes');
  const arg = d?.arguments?.find((a) => a.name.value === 'scopes');
  if (!d || !arg || arg.value.kind !== Kind.LIST) return d ? [] : null;
  const v = valueFromASTUntyped(arg.value) as unknown[];
  return v.map((and) => (Array.isArray(and) ? and.map(String) : [String(and)]));
}

/** What is wrong with one policy (empty when nothing). */
export function policyProblems(coordinate: string, p: Policy): string[] {
  const out: string[] = [];
  const roles = p.roles ?? [];
  if (p.access && roles.length) out.push(`${coordinate}: access "${p.access}" and roles exclude each other`);
  if (!p.access && !p.roles) out.push(`${coordinate}: neither access nor roles (ADMIN alone: roles: [])`);
  for (const r of roles) if (!(ROLES as readonly string[]).includes(r) || r === 'ADMIN') out.push(`${coordinate}: role ${r} (ADMIN is implied)`);
  for (const s of p.scopes ?? []) if (!(s in SCOPES)) out.push(`${coordinate}: scope ${s} is not in the vocabulary (SCOPES)`);
  // Keys reach the field through PARTNER or a role granted to them: they must need a scope, so a key is never
  // allowed by default.
  if (roles.length && !(p.scopes ?? []).length) out.push(`${coordinate}: roles without scopes (API keys would need none)`);
  for (const r of roles) {
    if (r === 'PARTNER') continue;
    const implied = ROLE_SCOPES[r] ?? [];
    const missing = (p.scopes ?? []).filter((s) => !implied.includes(s) && !implied.includes('*'));
    if (missing.length) out.push(`${coordinate}: role ${r} does not imply ${missing.join(', ')} (ROLE_SCOPES)`);
  }
  for (const [r, rule] of Object.entries(p.rules ?? {})) {
    if (!roles.includes(r as Role)) out.push(`${coordinate}: rule for ${r}, which the policy does not admit`);
    if (!(rule in OBJECT_RULES)) out.push(`${coordinate}: unknown object rule ${rule}`);
  }
  return out;
}

/**
 * Checks a subgraph's policies against its schema: every Query, Mutation and Subscription field has one, every
 * policy names a field that exists, a field's `@requiresScopes` (the gateway's first line) asks for the policy's
 * scopes. Returns the problems; `enforcePolicies` refuses to build with any.
 */
export function checkPolicies(schema: GraphQLSchema, table: PolicyTable): string[] {
  const problems: string[] = [];
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean).map((t) => t!.name));
  for (const name of roots) {
    for (const f of Object.values((schema.getType(name) as { getFields(): Record<string, GraphQLField<unknown, unknown>> }).getFields())) {
      const c = `${name}.${f.name}`;
      if (!FEDERATION_ROOT_FIELDS.has(c) && !table[c]) problems.push(`${c} has no policy`);
    }
  }
  for (const t of Object.values(schema.getTypeMap())) {
    if (!isObjectType(t) || t.name.startsWith('__')) continue;
    for (const f of Object.values(t.getFields())) {
      const sdl = requiredScopesInSdl(f);
      if (!sdl) continue;
      const c = `${t.name}.${f.name}`;
      const p = table[c];
      const want = [...(p?.scopes ?? [])].sort().join(' ');
      if (!p) problems.push(`${c} has @requiresScopes but no policy`);
      else if (sdl.length !== 1 || [...sdl[0]!].sort().join(' ') !== want) problems.push(`${c}: @requiresScopes ${JSON.stringify(sdl)} differs from the policy's scopes [${want}]`);
    }
  }
  for (const [c, p] of Object.entries(table)) {
    const [typeName, fieldName] = c.split('.');
    const t = typeName ? schema.getType(typeName) : undefined;
    if (!t || !isObjectType(t) || !fieldName || !t.getFields()[fieldName]) problems.push(`policy for ${c}: no such field in this subgraph`);
    problems.push(...policyProblems(c, p));
  }
  return problems;
}

/**
 * Wraps every policed field of the schema with its check, in place: root fields (and `subscribe` of
 * subscriptions) and the sensitive fields the table names. Throws, listing every problem, when a root field has
 * no policy or a policy is inconsistent, so a subgraph with an unguarded field never starts.
 */
export function enforcePolicies(
  schema: GraphQLSchema,
  table: PolicyTable,
  opts: { subgraph: string; internalCallerOf: (context: unknown) => string | null },
): void {
  const problems = checkPolicies(schema, table);
  if (problems.length) throw new Error(`${opts.subgraph}: authorization policies are incomplete:\n- ${problems.join('\n- ')}`);
  const subscription = schema.getSubscriptionType()?.name;
  for (const [c, p] of Object.entries(table)) {
    const [typeName, fieldName] = c.split('.') as [string, string];
    const field = (schema.getType(typeName) as { getFields(): Record<string, GraphQLField<unknown, unknown>> }).getFields()[fieldName]!;
    const check = (context: unknown) => {
      const d = decide(p, (context as { viewer?: Viewer | null } | undefined)?.viewer ?? null, opts.internalCallerOf(context), c);
      if (!d.ok) throw refusal(d);
    };
    if (typeName === subscription) {
      const subscribe = field.subscribe;
      if (!subscribe) throw new Error(`${opts.subgraph}: ${c} has no subscribe resolver`);
      field.subscribe = (source, args, context, info) => {
        check(context);
        return subscribe(source, args, context, info);
      };
    } else {
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        check(context);
        return resolve(source, args, context, info);
      };
    }
  }
}
