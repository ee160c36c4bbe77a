// Hot-path reads without Prisma's per-query work. Measured on Postgres (bench/README.md, issue 17): a one-row
// `findMany` costs ≈1.2–1.5 ms of CPU in Prisma (query compilation in WASM, plan interpretation, result mapping),
// `$queryRaw` ≈0.9 ms, the same statement on the `pg` pool ≈0.23 ms. DataLoaders run a handful of such statements
// per request in every subgraph, so they go straight to the driver through `sqlFor(prisma)`, with rows typed as
// Prisma types them (Decimal, Date, bigint), counted in the database's `stats` like Prisma's statements.
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { Decimal } from '@prisma/client/runtime/client';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type pg from 'pg';
import type { StatementStats } from './counting-adapter.ts';

/** Runs one parameterised SQL statement ($1, $2…) and returns its rows, typed as Prisma types them. */
export type SqlRunner = <Row = Record<string, unknown>>(text: string, params?: readonly unknown[]) => Promise<Row[]>;

// Postgres type OIDs whose text form Prisma turns into something other than what the drivers return by default.
const NUMERIC = 1700;
const INT8 = 20;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const NUMERIC_ARRAY = 1231;
const TIMESTAMP_ARRAY = 1115;

const toDecimal = (v: string) => new Decimal(v);
// `timestamp(3)` columns hold UTC (Prisma writes them so): the text has no zone, so say it is Z.
const toUtcDate = (v: string) => new Date(`${v.replace(' ', 'T')}Z`);
/** An instant as a `timestamp(3)` column holds it (UTC, zone-less text: `$n::text::timestamp`), whatever the session's time zone. */
export const utcText = (d: Date): string => d.toISOString().slice(0, -1);
const toDate = (v: string) => new Date(v);
const toDay = (v: string) => new Date(`${v}T00:00:00.000Z`);
const toBigInt = (v: string) => BigInt(v);

/** Text parsers by OID, shared by both drivers (arrays of these types are refused rather than mistyped). */
const PARSERS: Record<number, (v: string) => unknown> = {
  [NUMERIC]: toDecimal,
  [INT8]: toBigInt,
  [DATE]: toDay,
  [TIMESTAMP]: toUtcDate,
  [TIMESTAMPTZ]: toDate,
  [NUMERIC_ARRAY]: () => {
    throw new Error('sqlFor: numeric[] columns are not supported on the fast path; use Prisma');
  },
  [TIMESTAMP_ARRAY]: () => {
    throw new Error('sqlFor: timestamp[] columns are not supported on the fast path; use Prisma');
  },
};

/** pg: per-query type parsers (the global pg.types stay untouched for everyone else in the process). */
const PG_TYPES = {
  getTypeParser(oid: number, format?: string) {
    const p = PARSERS[oid];
    if (p && format !== 'binary') return p;
    return (defaultPgTypes as { getTypeParser(oid: number, format?: string): unknown }).getTypeParser(oid, format as never);
  },
};
let defaultPgTypes: typeof pg.types;

/** Anything that runs one pg query: the pool, or one of its clients inside a transaction. */
type PgQueryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/**
 * `prepared`: each statement text is sent once per connection as a named prepared statement, then only bound and
 * executed (statementName); off for a pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
 */
export function postgresRunner(db: PgQueryable, types: typeof pg.types, stats: StatementStats, prepared = true, retryStale = false): SqlRunner {
  defaultPgTypes = types;
  const run = (text: string, params: readonly unknown[]) =>
    (db as pg.Pool).query({ text, name: prepared ? statementName(text) : undefined, values: params as unknown[], types: PG_TYPES as never });
  return async <Row>(text: string, params: readonly unknown[] = []) => {
    stats.statements++;
    const t0 = stats.onStatement ? performance.now() : 0;
    let r: pg.QueryResult;
    try {
      r = await run(text, params);
    } catch (error) {
      if (!(prepared && isStalePlan(error))) throw error;
      renameStatements();
      if (!retryStale) throw error; // inside a transaction, which this failure aborted
      r = await run(text, params);
    }
    stats.onStatement?.(text, performance.now() - t0);
    return r.rows as Row[];
  };
}

/**
 * Named prepared statements (issue 17): a text parsed and planned by Postgres once per connection, then only bound
 * and executed; with its Parse gone, an OrderDetail's six statements cost Postgres and the client markedly less
 * (bench/README.md, part 6). The driver path's texts are fixed (keys go in as `= ANY($1)` arrays), so they are few;
 * the names are process-wide (a text keeps its name on every connection, pg parses it there on first use) and
 * bounded: past MAX_PREPARED texts, a new one runs unnamed as before.
 */
const statementNames = new Map<string, string>();
let generation = 0;
export const MAX_PREPARED = 2_000;
export function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_PREPARED) statementNames.set(text, (name = `omniroute_${generation}_${statementNames.size}`));
  return name;
}

/**
 * A migration changed a table under statements prepared before it (`SELECT *` of a table that got a column: "cached
 * plan must not change result type", e.g. while an older replica still runs during a rolling deploy): every text gets
 * a new name, so each connection prepares it again on its next use; the stale ones go with their connections.
 */
function renameStatements(): void {
  generation++;
  statementNames.clear();
}
const isStalePlan = (error: unknown) => (error as { code?: unknown })?.code === '0A000' && /cached plan must not change result type/.test(String((error as Error).message));

/**
 * PGlite: the same parsers, by OID, put into the instance's own table of parsers once (issue 17). Given with each
 * query instead, PGlite copied its whole table (≈ 320 types) for every statement: ≈ 80 µs of the ≈ 280 µs of a
 * one-row read, 11 % of the embedded platform's CPU under placeOrder load. Prisma's adapter brings parsers of its
 * own with each of its queries for every type these change (numeric, int8, date, timestamp, timestamptz and their
 * arrays), so what Prisma reads is unchanged; the other statements on the instance (migrations, seed templates)
 * read text.
 */
function usePgliteParsers(instance: PGlite): void {
  if (parsersIn.has(instance)) return;
  for (const [oid, f] of Object.entries(PARSERS)) instance.parsers[Number(oid)] = (v: string) => f(v);
  parsersIn.add(instance);
}
const parsersIn = new WeakSet<PGlite>();

/** `db`: the instance, or a transaction of it (then `instance` is the instance). */
export function pgliteRunner(instance: PGlite, stats: StatementStats, db: Pick<PGlite, 'query'> | Pick<Transaction, 'query'> = instance): SqlRunner {
  usePgliteParsers(instance);
  return async <Row>(text: string, params: readonly unknown[] = []) => {
    stats.statements++;
    const t0 = stats.onStatement ? performance.now() : 0;
    const r = await (db as PGlite).query<Row>(text, params as unknown[]);
    stats.onStatement?.(text, performance.now() - t0);
    return r.rows;
  };
}

/**
 * Runs `fn` in one transaction on one connection of the driver path: BEGIN, fn's statements, COMMIT; ROLLBACK when
 * it throws. For a writer whose second statement must see what its first waited for (READ COMMITTED takes a fresh
 * snapshot per statement), e.g. rows locked with SELECT … FOR UPDATE, then written by a statement that reads them.
 * `last` runs the transaction's final statement and commits with it (on Postgres in the same round trip): nothing may
 * run after it, and a failure of either fails the call; `sql` for every other statement.
 */
export type SqlTransaction = <R>(fn: (sql: SqlRunner, last: SqlRunner) => Promise<R>, prelude?: TransactionPrelude) => Promise<R>;

/**
 * A statement that opens a transaction, whose rows the transaction does not need: on Postgres it travels with the
 * transaction's first statement (and COMMIT with it when that is also its `last`), one round trip fewer (issue 17:
 * the consumer's ProcessedEvent row, placeOrder's stock locks). That statement still starts only once the prelude
 * has finished (its own snapshot, after the prelude's locks). When the prelude fails with an error `declines`
 * accepts (say a duplicate key), the transaction is rolled back — the extended protocol skips what was sent after
 * it — and rejects with PreludeDeclined; any other failure is the transaction's error.
 */
export interface TransactionPrelude {
  text: string;
  params: readonly unknown[];
  /** Whether this failure of the prelude declines the transaction (else it is the transaction's error). */
  declines(error: unknown): boolean;
}

/** A transaction whose prelude declined it (TransactionPrelude): rolled back, nothing of it kept. */
export class PreludeDeclined extends Error {
  constructor() {
    super('the transaction’s prelude declined it; rolled back');
    this.name = 'PreludeDeclined';
  }
}

/** Runs the prelude as a statement of its own; a failure it declines becomes PreludeDeclined. */
async function runPrelude(run: SqlRunner, prelude: TransactionPrelude): Promise<void> {
  try {
    await run(prelude.text, prelude.params);
  } catch (error) {
    if (prelude.declines(error)) throw new PreludeDeclined();
    throw error;
  }
}

/** The prelude run as the transaction's first statement of its own (PGlite, Prisma): same outcome, one round trip more. */
function preluded<R>(fn: (sql: SqlRunner, last: SqlRunner) => Promise<R>, prelude: TransactionPrelude | undefined): (sql: SqlRunner, last: SqlRunner) => Promise<R> {
  if (!prelude) return fn;
  return async (sql, last) => {
    await runPrelude(sql, prelude);
    return fn(sql, last);
  };
}

export function postgresTransactions(pool: pg.Pool, types: typeof pg.types, stats: StatementStats, wrap: (run: SqlRunner) => SqlRunner, pgm: PgModule, prepared = true): SqlTransaction {
  const { Query } = pgm;
  return async <R>(fn: (sql: SqlRunner, last: SqlRunner) => Promise<R>, prelude?: TransactionPrelude): Promise<R> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    let begun = false;
    let ended = false;
    // BEGIN (and the prelude) travel with the transaction's first statement and COMMIT with its `last` (one round
    // trip each fewer, see pipelineFor); transaction control is not counted (as for Prisma's, counting-adapter.ts).
    const plain = postgresRunner(client, types, stats, prepared);
    // once declined, nothing more runs and nothing commits, even if fn caught the PreludeDeclined
    let declined = false;
    const opening = async (): Promise<void> => {
      await client.query('BEGIN');
      if (prelude) await runPrelude(plain, prelude).catch(refused);
    };
    const refused = (error: unknown): never => {
      if (error instanceof PreludeDeclined) declined = true;
      throw error;
    };
    const statement = (commit: boolean): SqlRunner => async <Row>(text: string, params?: readonly unknown[]): Promise<Row[]> => {
      if (declined) throw new PreludeDeclined();
      if (ended) throw new Error('sqlTransaction: a statement after the transaction’s last one');
      if (commit) ended = true;
      const first = !begun;
      begun = true;
      // A named statement rides along with BEGIN (and the prelude) only once this connection has it: pg's bookkeeping
      // would take their ParseComplete for the statement's, so a statement whose own Parse failed would count as
      // prepared. The prelude is sent prepared when this connection has it, else unnamed (parsed each time).
      const name = prepared ? statementName(text) : undefined;
      const begin = first && (name === undefined || parsedOn(client, name));
      if (first && !begin) await opening();
      if (!begin && !commit) return plain<Row>(text, params);
      const preludeName = prelude && prepared ? statementName(prelude.text) : undefined;
      const sent: Pipeline = {
        begin,
        commit,
        prelude: begin && prelude
          ? { text: prelude.text, name: preludeName && parsedOn(client, preludeName) ? preludeName : '', values: prelude.params.map((v) => pgm.utils.prepareValue(v)) }
          : undefined,
      };
      if (sent.prelude) {
        // counted as the statement it is; its time is the one of the statement it travels with
        stats.statements++;
        stats.onStatement?.(sent.prelude.text, 0);
      }
      try {
        return await postgresRunner(pipelineFor(client, Query, sent), types, stats, prepared)<Row>(text, params);
      } catch (error) {
        // the prelude failed (the statement never ran): declined, or the transaction's error
        if (sent.prelude && !sent.preludeDone && prelude!.declines(error)) refused(new PreludeDeclined());
        throw error;
      }
    };
    try {
      const result = await fn(wrap(statement(false)), wrap(statement(true)));
      if (declined) throw new PreludeDeclined();
      if (!begun) {
        begun = true;
        await opening(); // fn ran no statement: the prelude alone
      }
      if (!ended) await client.query('COMMIT');
      return result;
    } catch (error) {
      // a connection that cannot roll back is discarded; after a `last` that ran, there is nothing to roll back
      if (begun) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw error;
    } finally {
      client.release(broken);
    }
  };
}

/**
 * A query function for `client` whose statement is preceded by BEGIN and/or followed by COMMIT in the same pipeline:
 * Parse/Bind/Execute of BEGIN, the statement's Parse/Bind/Describe/Execute, Parse/Bind/Execute of COMMIT, then one
 * Sync, written in one go (the extended protocol runs them in order and answers once; an error skips the rest up to
 * the Sync, so a failed statement is never committed). The statement's result is its own of the two or three.
 */
function pipelineFor(client: pg.PoolClient, Query: typeof pg.Query, sent: Pipeline): Pick<pg.PoolClient, 'query'> {
  const Pipelined = pipelinedOf(Query);
  const own = (sent.begin ? 1 : 0) + (sent.prelude ? 1 : 0); // the statement's result among the pipeline's
  return {
    query: ((config: pg.QueryConfig) =>
      new Promise((resolve, reject) => {
        const q = new Pipelined(config, ((err: Error | undefined, results: pg.QueryResult | pg.QueryResult[]) =>
          err ? reject(err) : resolve(Array.isArray(results) ? results[own]! : results)) as never) as PipelinedQuery;
        q.sent = sent;
        void client.query(q as never);
      })) as never,
  };
}

/** What goes with a statement in its pipeline: BEGIN, a prelude this connection has prepared, COMMIT. */
interface Pipeline {
  begin: boolean;
  commit: boolean;
  /** `name`: prepared on this connection already; '' — sent with its Parse, unnamed. `values` as pg sends them. */
  prelude?: { text: string; name: string; values: unknown[] };
  /** Set when the prelude's CommandComplete arrived (an error after it is the statement's or COMMIT's). */
  preludeDone?: boolean;
}
type PipelinedQuery = pg.Query & { sent: Pipeline };
/**
 * One statement's messages in a pipeline, no Sync: its Parse (`parse`: this connection does not have `name` yet, or
 * it is unnamed), Bind of `values` (as pg sends them), Describe (its rows are read) and Execute, on the unnamed portal.
 */
function statementMessages(connection: PgConnection, text: string, name: string, parse: boolean, values: unknown[]) {
  if (parse) connection.parse({ text, name, types: [] });
  connection.bind({ portal: '', statement: name, values });
  connection.describe({ type: 'P', name: '' });
  connection.execute({ portal: '', rows: 0 });
}

/** A transaction control statement as unnamed Parse/Bind/Execute, no Sync. */
function control(connection: PgConnection, text: 'BEGIN' | 'COMMIT') {
  connection.parse({ text, name: '', types: [] });
  connection.bind({ portal: '', statement: '', values: [] });
  connection.execute({ portal: '', rows: 0 });
}
const pipelinedClasses = new WeakMap<typeof pg.Query, typeof pg.Query>();
/** pg's Query, its messages preceded by BEGIN's and/or followed by COMMIT's (one class per pg module). */
function pipelinedOf(Query: typeof pg.Query): typeof pg.Query {
  let Pipelined = pipelinedClasses.get(Query);
  if (Pipelined) return Pipelined;
  const base = Query.prototype as unknown as {
    prepare(c: PgConnection): void;
    _getRows(c: PgConnection, rows?: number): void;
    handleCommandComplete(msg: unknown, c: PgConnection): void;
  };
  Pipelined = class extends Query {
    sent: Pipeline = { begin: false, commit: false };
    private completed = 0;
    // the extended protocol even without parameters (pg sends those as a simple Query message otherwise)
    requiresPreparation() {
      return true;
    }
    prepare(connection: PgConnection) {
      const { begin, prelude } = this.sent;
      if (begin) control(connection, 'BEGIN');
      // described, so rows it returns are read (into a result of its own, which nobody asks for)
      if (prelude) statementMessages(connection, prelude.text, prelude.name, !prelude.name, prelude.values);
      base.prepare.call(this, connection);
    }
    handleCommandComplete(msg: unknown, connection: PgConnection) {
      base.handleCommandComplete.call(this, msg, connection);
      if (this.sent.prelude && ++this.completed === (this.sent.begin ? 2 : 1)) this.sent.preludeDone = true;
    }
    // pg's Execute and Sync of the statement: COMMIT goes between them
    _getRows(connection: PgConnection & { sync(): void }, rows?: number) {
      if (!this.sent.commit || rows) return base._getRows.call(this, connection, rows);
      connection.execute({ portal: (this as unknown as { portal?: string }).portal ?? '', rows: 0 });
      control(connection, 'COMMIT');
      connection.sync();
    }
  };
  pipelinedClasses.set(Query, Pipelined);
  return Pipelined;
}

/** One statement of a batch (SqlBatch). */
export interface BatchStatement {
  text: string;
  params?: readonly unknown[];
}

/**
 * Independent statements sent together: on Postgres in one round trip on one connection (issue 17: placeOrder's
 * reads were a wave of five statements on five connections, five wake-ups of Postgres and of this process), each
 * answered with its own rows, as it would be alone; one failure fails the batch. For reads (and nextval): on
 * Postgres they run in one implicit transaction, elsewhere one after another.
 */
export type SqlBatch = (statements: readonly BatchStatement[]) => Promise<Record<string, unknown>[][]>;

/** The pg module's parts a batch needs (one module per pool: open-database passes its own). */
export interface PgModule {
  Query: typeof pg.Query;
  utils: { prepareValue(v: unknown): unknown };
}

export function postgresBatch(pool: pg.Pool, pgm: PgModule, types: typeof pg.types, stats: StatementStats, prepared = true): SqlBatch {
  defaultPgTypes = types;
  const send = async (statements: readonly BatchStatement[]) => {
    const client = await pool.connect();
    let rows: Record<string, unknown>[][];
    try {
      rows = await sendBatch(client, pgm, statements, prepared);
    } catch (error) {
      // which of its statements this connection now has prepared is unknown (a Parse before the failure took):
      // the connection goes, a new one prepares them again (failures are rare: a batch is for reads)
      client.release(error as Error);
      throw error;
    }
    client.release();
    return rows;
  };
  return async (statements) => {
    if (statements.length === 0) return [];
    const t0 = performance.now();
    stats.statements += statements.length;
    let rows: Record<string, unknown>[][];
    try {
      rows = await send(statements);
    } catch (error) {
      if (!(prepared && isStalePlan(error))) throw error;
      renameStatements(); // as postgresRunner: prepared again under new names, once
      rows = await send(statements);
    }
    const ms = (performance.now() - t0) / statements.length;
    for (const s of statements) stats.onStatement?.(s.text, ms);
    return rows;
  };
}

/** Parse (unless this connection has the statement)/Bind/Describe/Execute of each statement, then one Sync: a pipeline without BEGIN or COMMIT. */
function sendBatch(client: pg.PoolClient, pgm: PgModule, statements: readonly BatchStatement[], prepared: boolean): Promise<Record<string, unknown>[][]> {
  return sendPipeline(client, pgm, { begin: false, commit: false, statements }, prepared).catch((error: unknown) => {
    throw causeOf(error);
  });
}

/**
 * Several units of work in ONE transaction on one connection (issue 17: a consumer group's queued events handled
 * together instead of a transaction, two round trips and a commit each). Each work runs as it would alone, with its
 * own `sql` and `last`, all of them at once; on Postgres the statements they send in the same turn of the event loop
 * go together in one round trip (one pipeline, one Sync), so N works' first statements cost one round trip, their
 * second ones another, and COMMIT rides with the final ones once every work still running has sent its `last`.
 * BEGIN and the prelude go with the first pipeline. All or nothing: a statement, a work or COMMIT that fails fails
 * the whole, rolled back, with that error (a prelude it declines: PreludeDeclined). The works share the transaction
 * — its row locks do not keep them from each other — so give it only works that decide on different rows.
 */
export type SqlSharedTransaction = <R>(works: readonly ((sql: SqlRunner, last: SqlRunner) => Promise<R>)[], prelude?: TransactionPrelude) => Promise<R[]>;

/** A statement waiting for its pipeline (postgresSharedTransactions). */
interface Queued {
  text: string;
  params: readonly unknown[];
  resolve(rows: Record<string, unknown>[]): void;
  reject(error: unknown): void;
}

export function postgresSharedTransactions(pool: pg.Pool, pgm: PgModule, types: typeof pg.types, stats: StatementStats, wrap: (run: SqlRunner) => SqlRunner, prepared = true): SqlSharedTransaction {
  defaultPgTypes = types;
  return async <R>(works: readonly ((sql: SqlRunner, last: SqlRunner) => Promise<R>)[], prelude?: TransactionPrelude): Promise<R[]> => {
    const client = await pool.connect();
    /** The first failure: every statement after it fails with it, and the transaction rolls back. */
    let failure: { error: unknown } | undefined;
    let begun = false;
    let committed = false;
    let queued: Queued[] = [];
    let scheduled = false;
    const sent: Promise<void>[] = [];
    const ended = works.map(() => ({ last: false, done: false }));
    const fail = (error: unknown) => (failure ??= { error });
    const pipeline = (statements: Queued[], commit: boolean) => {
      const begin = !begun;
      begun = true;
      if (commit) committed = true;
      stats.statements += statements.length + (begin && prelude ? 1 : 0);
      const t0 = performance.now();
      const p = sendPipeline(client, pgm, { begin, prelude: begin ? prelude : undefined, statements, commit }, prepared).then(
        (rows) => {
          const ms = (performance.now() - t0) / Math.max(1, statements.length);
          if (begin && prelude) stats.onStatement?.(prelude.text, 0);
          statements.forEach((q, i) => (stats.onStatement?.(q.text, ms), q.resolve(rows[i]!)));
        },
        (error: unknown) => {
          fail(error);
          for (const q of statements) q.reject(causeOf(error));
        },
      );
      sent.push(p);
    };
    const flush = () => {
      scheduled = false;
      const statements = queued;
      queued = [];
      if (statements.length === 0) return;
      if (failure) {
        for (const q of statements) q.reject(causeOf(failure.error));
        return;
      }
      pipeline(statements, ended.every((w) => w.done || w.last));
    };
    const runner = (i: number, last: boolean): SqlRunner => <Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> => {
      if (failure) return Promise.reject(causeOf(failure.error));
      if (ended[i]!.last || committed) return Promise.reject(new Error('sqlSharedTransaction: a statement after the work’s last one'));
      if (last) ended[i]!.last = true;
      return new Promise<Row[]>((resolve, reject) => {
        queued.push({ text, params, resolve: resolve as Queued['resolve'], reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush); // once every work has run up to its next statement
        }
      });
    };
    let released = false;
    try {
      const settled = await Promise.allSettled(works.map(async (work, i) => {
        try {
          return await work(wrap(runner(i, false)), wrap(runner(i, true)));
        } catch (error) {
          fail(error);
          throw error;
        } finally {
          ended[i]!.done = true;
        }
      }));
      await Promise.all(sent);
      if (failure) throw failure.error;
      if (!committed) {
        // no work's final statement took COMMIT with it (a work ended without `last`, or none ran a statement)
        pipeline([], true);
        await Promise.all(sent);
        if (failure) throw (failure as { error: unknown }).error;
      }
      return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
    } catch (error) {
      await Promise.allSettled(sent);
      if (begun) await client.query('ROLLBACK').catch(() => undefined);
      // which statements this connection has prepared is unknown after a failed pipeline: it goes
      client.release(error as Error);
      released = true;
      // a migration changed a table under a prepared statement: every text prepared again (as postgresRunner)
      if (prepared && isStalePlan(causeOf(error))) renameStatements();
      if (prelude && error instanceof PipelineError && error.inPrelude && prelude.declines(error.cause)) throw new PreludeDeclined();
      throw causeOf(error);
    } finally {
      if (!released) client.release();
    }
  };
}

/** A pipeline's failure, and whether it was the prelude's (the statements after it never ran). */
class PipelineError extends Error {
  constructor(readonly cause: unknown, readonly inPrelude: boolean) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

const causeOf = (error: unknown): unknown => (error instanceof PipelineError ? error.cause : error);

interface SharedPipeline {
  begin: boolean;
  prelude?: TransactionPrelude;
  statements: readonly BatchStatement[];
  commit: boolean;
}

/**
 * BEGIN, the prelude, each statement (Parse unless this connection has it, Bind, Describe, Execute), COMMIT, one
 * Sync; each statement's rows. The statements parsed here are recorded as this connection's once it succeeded (pg's
 * own bookkeeping is per query, one name; a pipeline has none).
 */
function sendPipeline(client: pg.PoolClient, pgm: PgModule, p: SharedPipeline, prepared: boolean): Promise<Record<string, unknown>[][]> {
  const Shared = sharedOf(pgm.Query);
  const connection = (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection;
  const all = p.prelude ? [{ text: p.prelude.text, params: p.prelude.params }, ...p.statements] : p.statements;
  const names = all.map((s) => (prepared ? statementName(s.text) : undefined));
  // a text this connection has not prepared yet is parsed once, by its first statement in the pipeline
  const parsed = new Set<string>();
  const parsing = names.map((name) => name !== undefined && connection.parsedStatements[name] === undefined && !parsed.has(name) && !!parsed.add(name));
  const skip = (p.begin ? 1 : 0) + (p.prelude ? 1 : 0); // results before the statements'
  return new Promise((resolve, reject) => {
    const q = new Shared({ text: all[0]?.text ?? 'COMMIT', types: PG_TYPES } as never, ((err: Error | undefined, results: pg.QueryResult | pg.QueryResult[] | undefined) => {
      if (err) return reject(new PipelineError(err, !!p.prelude && q.completed < skip));
      names.forEach((name, i) => {
        if (name !== undefined && parsing[i]) connection.parsedStatements[name] = all[i]!.text;
      });
      const list = Array.isArray(results) ? results : results ? [results] : [];
      resolve(p.statements.map((_, i) => list[skip + i]!.rows as Record<string, unknown>[]));
    }) as never) as SharedQuery;
    q.shared = { ...p, all, names, parsing, prepareValue: pgm.utils.prepareValue };
    void client.query(q as never);
  });
}

type SharedQuery = pg.Query & { completed: number; shared: SharedPipeline & { all: readonly BatchStatement[]; names: (string | undefined)[]; parsing: boolean[]; prepareValue(v: unknown): unknown } };
const sharedClasses = new WeakMap<typeof pg.Query, typeof pg.Query>();
/** pg's Query sending a shared transaction's pipeline instead of its own messages (one class per pg module). */
function sharedOf(Query: typeof pg.Query): typeof pg.Query {
  let Shared = sharedClasses.get(Query);
  if (Shared) return Shared;
  const base = Query.prototype as unknown as { handleCommandComplete(msg: unknown, c: PgConnection): void };
  Shared = class extends Query {
    shared!: SharedQuery['shared'];
    completed = 0;
    requiresPreparation() {
      return true;
    }
    prepare(connection: PgConnection & { sync(): void }) {
      const { begin, commit, all, names, parsing, prepareValue } = this.shared;
      if (begin) control(connection, 'BEGIN');
      all.forEach((s, i) => {
        const name = names[i] ?? '';
        statementMessages(connection, s.text, name, parsing[i]! || !name, (s.params ?? []).map((v) => prepareValue(v)));
      });
      if (commit) control(connection, 'COMMIT');
      connection.sync();
    }
    handleCommandComplete(msg: unknown, connection: PgConnection) {
      this.completed++;
      base.handleCommandComplete.call(this, msg, connection);
    }
  };
  sharedClasses.set(Query, Shared);
  return Shared;
}

/** The works one after another in one transaction (PGlite's one connection, Prisma): the same outcome, a round trip per statement. */
export function sequentialShared(transaction: SqlTransaction): SqlSharedTransaction {
  return <R>(works: readonly ((sql: SqlRunner, last: SqlRunner) => Promise<R>)[], prelude?: TransactionPrelude) =>
    transaction(async (sql) => {
      const out: R[] = [];
      for (const work of works) out.push(await work(...withLast(sql)));
      return out;
    }, prelude);
}

/** A batch as one statement after another on one runner (PGlite's one connection, or Prisma's raw queries). */
export function sequentialBatch(run: SqlRunner): SqlBatch {
  return async (statements) => {
    const rows: Record<string, unknown>[][] = [];
    for (const s of statements) rows.push(await run(s.text, s.params));
    return rows;
  };
}

/** `sql` and `last` of a transaction that commits when its function returns: the same runner, nothing after `last`. */
function withLast(run: SqlRunner): [SqlRunner, SqlRunner] {
  let ended = false;
  const statement = (last: boolean): SqlRunner => <Row>(text: string, params?: readonly unknown[]): Promise<Row[]> => {
    if (ended) return Promise.reject(new Error('sqlTransaction: a statement after the transaction’s last one'));
    if (last) ended = true;
    return run<Row>(text, params);
  };
  return [statement(false), statement(true)];
}

/** Whether `client`'s connection has prepared statement `name` (pg's own record of it). */
function parsedOn(client: pg.PoolClient, name: string): boolean {
  const parsed = (client as unknown as { connection?: { parsedStatements?: Record<string, string> } }).connection?.parsedStatements;
  return parsed?.[name] !== undefined;
}

/** The parts of pg's connection a query's `prepare` writes to. */
interface PgConnection {
  parse(q: { text: string; name: string; types: unknown[] }): void;
  bind(b: { portal: string; statement: string; values: unknown[] }): void;
  describe(d: { type: 'P'; name: string }): void;
  execute(e: { portal: string; rows: number }): void;
}

export function pgliteTransactions(db: PGlite, stats: StatementStats, wrap: (run: SqlRunner) => SqlRunner = (r) => r): SqlTransaction {
  // PGlite's transaction() holds the instance: every other query waits for it (one connection).
  // (PGlite commits when fn returns: `last` has no round trip to save, only its rule to keep)
  return <R>(fn: (sql: SqlRunner, last: SqlRunner) => Promise<R>, prelude?: TransactionPrelude) =>
    db.transaction((tx) => preluded(fn, prelude)(...withLast(wrap(pgliteRunner(db, stats, tx))))) as Promise<R>;
}

// The database behind each adapter factory openDatabase made: a PrismaClient keeps the factory it was given.
const runners = new WeakMap<SqlDriverAdapterFactory, SqlRunner>();
const transactions = new WeakMap<SqlDriverAdapterFactory, SqlTransaction>();
const batches = new WeakMap<SqlDriverAdapterFactory, SqlBatch>();
const shared = new WeakMap<SqlDriverAdapterFactory, SqlSharedTransaction>();

/** The driver adapter factory a PrismaClient was built with (where openDatabase registered its runners). */
const adapterOf = (prisma: object): SqlDriverAdapterFactory | undefined =>
  (prisma as { _engineConfig?: { adapter?: SqlDriverAdapterFactory } })._engineConfig?.adapter;

export function registerRunner(adapter: SqlDriverAdapterFactory, run: SqlRunner, transaction?: SqlTransaction, batch?: SqlBatch, sharedTransaction?: SqlSharedTransaction): void {
  runners.set(adapter, run);
  if (transaction) transactions.set(adapter, transaction);
  if (batch) batches.set(adapter, batch);
  if (sharedTransaction) shared.set(adapter, sharedTransaction);
}

/**
 * The shared transactions (SqlSharedTransaction) of the database this PrismaClient was built on: pipelined on
 * Postgres; elsewhere the works run one after another in one transaction of sqlTransactionFor(prisma).
 */
export function sqlSharedTransactionFor(prisma: PrismaWithTransactions): SqlSharedTransaction {
  const adapter = adapterOf(prisma);
  return (adapter && shared.get(adapter)) || sequentialShared(sqlTransactionFor(prisma));
}

/**
 * The batch runner of the database this PrismaClient was built on (SqlBatch: one round trip on Postgres); a client
 * built any other way runs the statements one after another through `$queryRawUnsafe`.
 */
export function sqlBatchFor(prisma: PrismaLike): SqlBatch {
  const adapter = adapterOf(prisma);
  return (adapter && batches.get(adapter)) || sequentialBatch(sqlFor(prisma));
}

interface PrismaLike {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

interface PrismaWithTransactions extends PrismaLike {
  $transaction<R>(fn: (tx: PrismaLike) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
}

/**
 * The driver path's transactions of the database this PrismaClient was built on (see sqlFor); a client built any
 * other way runs `fn` in a Prisma interactive transaction, its statements through `$queryRawUnsafe`.
 */
export function sqlTransactionFor(prisma: PrismaWithTransactions): SqlTransaction {
  const adapter = adapterOf(prisma);
  const transaction = adapter ? transactions.get(adapter) : undefined;
  if (transaction) return transaction;
  return <R>(fn: (sql: SqlRunner, last: SqlRunner) => Promise<R>, prelude?: TransactionPrelude) =>
    prisma.$transaction((tx) => preluded(fn, prelude)(...withLast(<Row>(text: string, params: readonly unknown[] = []) => tx.$queryRawUnsafe<Row[]>(text, ...params))), { maxWait: 15_000, timeout: 30_000 });
}

/**
 * The fast statement runner of the database this PrismaClient was built on (`new PrismaClient({ adapter:
 * db.adapter })` with openDatabase's adapter). A client built any other way gets `$queryRawUnsafe` (same rows,
 * Prisma's cost), so the result never depends on the path. Statements must qualify nothing: on Postgres the
 * connection's search_path is the subgraph's schema, as for raw SQL through Prisma.
 */
export function sqlFor(prisma: PrismaLike): SqlRunner {
  const adapter = adapterOf(prisma);
  const run = adapter ? runners.get(adapter) : undefined;
  if (run) return run;
  return <Row>(text: string, params: readonly unknown[] = []) => prisma.$queryRawUnsafe<Row[]>(text, ...params);
}

/** True when `sqlFor(prisma)` takes the driver path (tests: a Prisma upgrade that moves the adapter must not go unnoticed). */
export function hasFastPath(prisma: PrismaLike): boolean {
  const adapter = adapterOf(prisma);
  return !!adapter && runners.has(adapter);
}

/** `SELECT * FROM "<table>" WHERE "<column>" = ANY($1) AND "tenantId" = $2 [ORDER BY …]`: a loader's batch. */
export function byKeysInTenant<Row>(run: SqlRunner, table: string, column: string, keys: readonly string[], tenantId: string, orderBy = ''): Promise<Row[]> {
  return byKeys<Row>(run, `SELECT * FROM "${table}" WHERE "${column}" = ANY($1::text[]) AND "tenantId" = $2${orderBy ? ` ORDER BY ${orderBy}` : ''}`, keys, tenantId, column);
}

/** A statement of the byKeysInTenant kind (`$1` the keys, `$2` the tenant, `column` in each row holds its key): merged with other requests' when the runner can. */
function byKeys<Row>(run: SqlRunner, text: string, keys: readonly string[], tenantId: string, column: string, fresh = false): Promise<Row[]> {
  const merged = mergedReads.get(run);
  return merged ? (merged(text, keys, tenantId, column, fresh) as Promise<Row[]>) : run<Row>(text, [keys, tenantId]);
}

/**
 * Reads by keys of concurrent requests in one statement (issue 17). Each request's DataLoaders batch its own keys;
 * under load many requests send the same statement (an order's lines, an invoice by order…) for the same tenant at
 * once, each taking a connection, a round trip and a socket write. Here a request's read joins the one still waiting
 * for a connection with the same text and tenant: its keys are added to that statement's array, and when the
 * connection comes the statement runs once and each request gets exactly the rows of its own keys, in the
 * statement's order (a row two requests share is copied for the second, so no request sees another's changes to it).
 * Nothing is cached: a read never gets rows from before it asked. When the pool is idle a read waits only for the
 * current turn of the event loop (setImmediate), so the requests that arrived together go together. On PGlite (one
 * connection, oneConnection) the reads that come while a merged statement runs go together in the next.
 */
export type MergedReads = (text: string, keys: readonly string[], tenantId: string, column: string, fresh?: boolean) => Promise<Record<string, unknown>[]>;
/** A connection lent to one merged statement: its runner, then back to the pool. */
export interface ReadLease { run: SqlRunner; release: (error?: Error) => void }
/** Most keys one merged statement carries; a read that would pass it starts the next one. */
export const MAX_MERGED_KEYS = 1_000;

const mergedReads = new WeakMap<SqlRunner, MergedReads>();

/**
 * Leases of PGlite's one connection for merged reads: one merged statement at a time, so the reads that come while
 * one runs wait together for the next (PGlite runs its statements one after another anyway).
 */
export function oneConnection(run: SqlRunner): () => Promise<ReadLease> {
  let busy = false;
  const waiting: ((lease: ReadLease) => void)[] = [];
  const lease: ReadLease = {
    run,
    release: () => {
      const next = waiting.shift();
      if (next) next(lease);
      else busy = false;
    },
  };
  return () => {
    if (!busy) {
      busy = true;
      return Promise.resolve(lease);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
}

/** byKeysInTenant(Joined) through `run` are merged across requests with `reads` (open-database: the pool's runner, never a transaction's). */
export function registerMergedReads(run: SqlRunner, reads: MergedReads): void {
  mergedReads.set(run, reads);
}

interface MergedWaiter { keys: readonly string[]; resolve: (rows: Record<string, unknown>[]) => void; reject: (error: unknown) => void }
/**
 * `fresh`: the statement's readers make new objects of the rows they get (byKeysInTenantJoined's texts), so a shared
 * row need not be copied; a property of the text, so of the batch.
 */
interface MergedBatch { keys: Set<string>; waiters: MergedWaiter[]; fresh: boolean }

export function mergeReads(acquire: () => Promise<ReadLease>): MergedReads {
  const open = new Map<string, MergedBatch>();
  const dispatch = async (id: string, batch: MergedBatch, text: string, tenantId: string, column: string) => {
    let lease: ReadLease;
    try {
      await new Promise((r) => setImmediate(r));
      lease = await acquire();
    } catch (error) {
      if (open.get(id) === batch) open.delete(id);
      for (const w of batch.waiters) w.reject(error);
      return;
    }
    // the statement's keys are fixed from here: a read that comes now waits for the next connection
    if (open.get(id) === batch) open.delete(id);
    let rows: Record<string, unknown>[];
    try {
      rows = await lease.run(text, [[...batch.keys], tenantId]);
    } catch (error) {
      lease.release(error as Error);
      for (const w of batch.waiters) w.reject(error);
      return;
    }
    lease.release();
    if (batch.waiters.length === 1) return batch.waiters[0]!.resolve(rows);
    const at = new Map<unknown, number[]>();
    rows.forEach((r, i) => {
      const list = at.get(r[column]);
      if (list) list.push(i);
      else at.set(r[column], [i]);
    });
    const given = new Uint8Array(rows.length);
    for (const w of batch.waiters) {
      const mine: number[] = [];
      for (const k of new Set(w.keys)) {
        const list = at.get(k);
        if (list) for (const i of list) mine.push(i);
      }
      mine.sort((a, b) => a - b);
      w.resolve(batch.fresh ? mine.map((i) => rows[i]!) : mine.map((i) => (given[i] ? { ...rows[i] } : ((given[i] = 1), rows[i]!))));
    }
  };
  return (text, keys, tenantId, column, fresh = false) =>
    new Promise((resolve, reject) => {
      const id = `${tenantId}\u0000${text}`;
      let batch = open.get(id);
      if (batch && batch.keys.size + keys.length > MAX_MERGED_KEYS) {
        open.delete(id);
        batch = undefined;
      }
      if (!batch) {
        batch = { keys: new Set(), waiters: [], fresh };
        open.set(id, batch);
        void dispatch(id, batch, text, tenantId, column);
      }
      for (const k of keys) batch.keys.add(k);
      batch.waiters.push({ keys, resolve, reject });
    });
}

/**
 * A row of another table read in the same statement as a loader's rows (issue 17: one round trip instead of two
 * sequential ones, e.g. a variant with its product, a shipment with its vehicle). `relation` names it; `on` is the
 * column of the loader's table holding the other row's id; `columns` are the other table's columns (Prisma's
 * `<Model>ScalarFieldEnum` values, so a migration that adds one is read too).
 */
export interface SqlJoin {
  relation: string;
  table: string;
  on: string;
  columns: readonly string[];
  /** A row the joined row references, read in the same statement too (one level: an order line's variant's product). */
  then?: Omit<SqlJoin, 'then'>;
}

// Each row's joined rows, by relation: kept beside the row (never on it), so the row stays exactly as Prisma types it.
const joinedRows = new WeakMap<object, Record<string, object | null>>();
const joinedText = new Map<string, string>();

/**
 * The row `relation` was read with `row` by byKeysInTenantJoined: the row, null when there was none (a null
 * reference or no such row in the tenant), undefined when `row` was not read with that relation.
 */
export function joinedRow<T>(row: object, relation: string): T | null | undefined {
  return joinedRows.get(row)?.[relation] as T | null | undefined;
}

/**
 * byKeysInTenant with the `join` row of each row in the same statement: a LEFT JOIN on the other table's id within the
 * same tenant. Returns the loader's rows (same columns, same types); joinedRow(row, relation) gives the other one.
 */
export async function byKeysInTenantJoined<Row extends object>(run: SqlRunner, table: string, column: string, keys: readonly string[], tenantId: string, join: SqlJoin, orderBy = ''): Promise<Row[]> {
  const prefix = `${join.relation}.`;
  const then = join.then;
  const nested = then ? `${prefix}${then.relation}.` : '';
  const key = `${table}\u0000${column}\u0000${orderBy}\u0000${[join, then].map((j) => j && `${j.relation}\u0000${j.table}\u0000${j.on}\u0000${j.columns.join(',')}`).join('\u0000')}`;
  let text = joinedText.get(key);
  if (!text) {
    const other = join.columns.map((c) => `j."${c}" AS "${prefix}${c}"`);
    const further = then ? then.columns.map((c) => `k."${c}" AS "${nested}${c}"`) : [];
    const furtherJoin = then ? ` LEFT JOIN "${then.table}" k ON k."id" = j."${then.on}" AND k."tenantId" = j."tenantId"` : '';
    text = `SELECT t.*, ${[...other, ...further].join(', ')} FROM "${table}" t LEFT JOIN "${join.table}" j ON j."id" = t."${join.on}" AND j."tenantId" = t."tenantId"${furtherJoin} WHERE t."${column}" = ANY($1::text[]) AND t."tenantId" = $2${orderBy ? ` ORDER BY ${orderBy}` : ''}`; // names in ORDER BY are the output's: the loader table's
    joinedText.set(key, text);
  }
  const rows = await byKeys<Record<string, unknown>>(run, text, keys, tenantId, column, true);
  if (!rows.length) return [];
  const split = splitterFor(rows[0]!, prefix, nested);
  return rows.map((r) => {
    const [own, other, third] = split(r);
    const joined = other.id == null ? null : other;
    joinedRows.set(own, { [join.relation]: joined });
    if (joined && then) joinedRows.set(joined, { [then.relation]: third.id == null ? null : third });
    return own as Row;
  });
}

type Splitter = (row: Record<string, unknown>) => [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
const splitters = new Map<string, Splitter>();

/**
 * What splits a joined statement's output row into the loader's row, the joined row and the joined row's own (the
 * columns named `<relation>.` and `<relation>.<then>.`): a function made once per set of columns that builds the
 * three objects as literals (V8 gives them fixed shapes; a loop of keyed stores per column and row cost an order
 * page ~5 % of its CPU).
 */
function splitterFor(first: Record<string, unknown>, prefix: string, nested: string): Splitter {
  const layout: [string, 0 | 1 | 2, string][] = [];
  for (const k in first) {
    if (nested && k.startsWith(nested)) layout.push([k, 2, k.slice(nested.length)]);
    else if (k.startsWith(prefix)) layout.push([k, 1, k.slice(prefix.length)]);
    else layout.push([k, 0, k]);
  }
  const key = layout.map(([k, to]) => `${to}${k}`).join('\u0000');
  let split = splitters.get(key);
  if (!split) {
    if (layout.some(([, , name]) => name === '__proto__')) {
      // a literal's "__proto__" would set the prototype: keyed stores instead
      split = (r) => {
        const out: [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>] = [{}, {}, {}];
        for (const [k, to, name] of layout) Object.defineProperty(out[to], name, { value: r[k], enumerable: true, writable: true, configurable: true });
        return out;
      };
    } else {
      const literal = (to: 0 | 1 | 2) => `{${layout.filter((l) => l[1] === to).map(([k, , name]) => `${JSON.stringify(name)}: r[${JSON.stringify(k)}]`).join(', ')}}`;
      split = new Function('r', `return [${literal(0)}, ${literal(1)}, ${literal(2)}];`) as Splitter;
    }
    splitters.set(key, split);
  }
  return split;
}

/** A unique index refused a row written through the driver path (both drivers report Postgres' SQLSTATE). */
export function isSqlUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
