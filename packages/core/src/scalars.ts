import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { Decimal, formatAmount, isCurrency } from './money.ts';

const DECIMAL_RE = /^-?\d{1,15}(\.\d{1,4})?$/;
/** A plain decimal numeral (what formatAmount prints): a number without parsing it. */
const PLAIN_DECIMAL_RE = /^-?\d+(\.\d+)?$/;

function parseDecimal(v: unknown): Decimal {
  if (typeof v !== 'string' || !DECIMAL_RE.test(v)) {
    throw new GraphQLError('Decimal must be a string like "1500.00" (at most 15 integer and 4 fraction digits)', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return new Decimal(v);
}

export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description: 'Exact decimal serialised as a string',
  serialize: (v) => {
    // A string (e.g. Money.amount, already formatted to the currency's minor units) is kept as is once validated:
    // re-serialising it through Decimal would turn "1500.00" into "1500".
    if (typeof v === 'string') {
      if (!PLAIN_DECIMAL_RE.test(v)) new Decimal(v); // throws on anything that is not a number
      return v;
    }
    return v instanceof Decimal ? v.toString() : new Decimal(String(v)).toString();
  },
  parseValue: parseDecimal,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Decimal literals must be strings', { extensions: { code: 'BAD_USER_INPUT' } });
    return parseDecimal(ast.value);
  },
});

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'ISO-8601 date-time',
  serialize: (v) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString()),
  parseValue: (v) => {
    const d = new Date(String(v));
    if (typeof v !== 'string' || Number.isNaN(d.getTime())) throw new GraphQLError('Invalid DateTime', { extensions: { code: 'BAD_USER_INPUT' } });
    return d;
  },
  parseLiteral: (ast) => {
    const d = ast.kind === Kind.STRING ? new Date(ast.value) : new Date(NaN);
    if (Number.isNaN(d.getTime())) throw new GraphQLError('Invalid DateTime', { extensions: { code: 'BAD_USER_INPUT' } });
    return d;
  },
});

/** Resolvers for the shared value types of shared.graphql, merged into every subgraph. */
export const sharedResolvers = {
  Decimal: DecimalScalar,
  DateTime: DateTimeScalar,
  Money: {
    amount: (m: { amount: Decimal | string; currencyCode: string }) =>
      isCurrency(m.currencyCode) ? formatAmount(m.amount, m.currencyCode) : String(m.amount),
  },
};
