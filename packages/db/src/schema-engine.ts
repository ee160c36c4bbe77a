import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery } from '@prisma/driver-adapter-utils';
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

// Prisma 7's CLI needs a native schema engine that it downloads on first use, which fails offline. The same engine is
// published as WebAssembly (@prisma/schema-engine-wasm, pinned to the 7.10 engine hash) and talks to the database
// through a driver adapter, so we drive it in-process. Its package only ships the bundler build (an ESM import of the
// .wasm file), so we instantiate the module ourselves.
type EngineModule = typeof import('@prisma/schema-engine-wasm');
let engineModule: Promise<EngineModule> | undefined;

function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    installPanicRegistry();
    const bindingsUrl = import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bindings = (await import(bindingsUrl)) as EngineModule & { __wbg_set_wasm(exports: unknown): void };
    const wasm = new WebAssembly.Module(readFileSync(fileURLToPath(new URL('./schema_engine_bg.wasm', bindingsUrl))));
    const instance = new WebAssembly.Instance(wasm, { './schema_engine_bg.js': bindings as unknown as WebAssembly.ModuleImports });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
    return bindings;
  })();
  return engineModule;
}

/**
 * adapter-pg 7.10 has no column type for Postgres' internal "char" (oid 18), which the engine's introspection
 * selects (pg_class.relkind, pg_constraint.contype, …), so introspection fails with "Column type 'char' could not be
 * deserialized". We report those columns as Character, as the PGlite adapter does (as Text, the engine panics on
 * CHECK constraints: prisma/orm#29635 shows the same panic). Only for the tooling connection, never Prisma Client.
 */
type PgAdapterInternals = SqlDriverAdapter & {
  performIO(query: SqlQuery): Promise<{ fields: { dataTypeID: number }[]; rows: unknown[] }>;
};

function withCharColumns(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const adapter = (await factory.connect()) as PgAdapterInternals;
      const performIO = adapter.performIO.bind(adapter);
      const queryRaw = adapter.queryRaw;
      adapter.queryRaw = async (query) => {
        const result = await performIO(query);
        const charColumns = result.fields.flatMap((field, i) => (field.dataTypeID === 18 ? [i] : []));
        for (const i of charColumns) result.fields[i].dataTypeID = 25; // text, so adapter-pg's mapping accepts it
        // adapter-pg's own queryRaw turns the result into a result set; only its performIO is swapped for ours.
        const resultSet = await queryRaw.call({ ...adapter, performIO: async () => result }, query);
        for (const i of charColumns) resultSet.columnTypes[i] = ColumnTypeEnum.Character;
        return resultSet;
      };
      return adapter;
    },
  };
}

/** The engine reports Rust panics through this global; without it a panic hangs the call. */
function installPanicRegistry(): void {
  const registry = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
  registry.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message(message) {
      console.error(`Prisma schema engine panicked: ${message}`);
    },
  };
}

export interface DiffOptions {
  /** Adapter connected to the database holding the migrated schema. */
  factory: SqlDriverAdapterFactory;
  /** PG schema the migrations went into (the adapter's `schema` option must say the same). */
  schemaName: string;
  /** Contents of schema.prisma. */
  datamodel: string;
}

/** SQL that takes the database's schema to the datamodel; '' when they already match. */
export async function diffDatabaseToDatamodel({ factory, schemaName, datamodel }: DiffOptions): Promise<string> {
  const { SchemaEngine } = await loadEngineModule();
  const adapterFactory = factory.adapterName.includes('adapter-pg') ? withCharColumns(factory) : factory;
  const migrationAware = bindMigrationAwareSqlAdapterFactory({
    ...adapterFactory,
    connect: () => adapterFactory.connect(),
    connectToShadowDb: () => Promise.reject(new Error('no shadow database: migrations are applied by @omniroute/db')),
  });
  const files = [{ path: 'schema.prisma', content: datamodel }];
  const engine: SchemaEngine = await SchemaEngine.new({ datamodels: [['schema.prisma', datamodel]] }, () => {}, migrationAware);
  try {
    const result = await engine.diff({
      from: { tag: 'schemaDatasource', files, configDir: process.cwd() },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: true,
      // Our bookkeeping table is not part of any datamodel.
      filters: { externalTables: [`${schemaName}._omniroute_migrations`], externalEnums: [] },
    });
    return result.exitCode === 2 ? (result.stdout ?? '') : '';
  } finally {
    engine.free();
  }
}
