import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

// Prisma 7's CLI needs a native schema engine that it downloads on first use, which fails offline. The same engine is
// published as WebAssembly (@prisma/schema-engine-wasm, pinned to the 7.10 engine hash) and talks to the database
// through a driver adapter, so we drive it in-process. Its package only ships the bundler build (an ESM import of the
// .wasm file), so we instantiate the module ourselves.
type EngineModule = typeof import('@prisma/schema-engine-wasm');
let engineModule: Promise<EngineModule> | undefined;

function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
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
 * selects (pg_class.relkind, …), so introspection fails with "Column type 'char' could not be deserialized".
 * Reading it as text works. Only for the tooling connection; Prisma Client never sees this.
 */
function withCharAsText(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const adapter = (await factory.connect()) as SqlDriverAdapter & { performIO?: (q: unknown) => Promise<{ fields?: { dataTypeID: number }[] }> };
      const performIO = adapter.performIO?.bind(adapter);
      if (performIO) {
        adapter.performIO = async (query) => {
          const result = await performIO(query);
          for (const field of result?.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
          return result;
        };
      }
      return adapter;
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
  const adapterFactory = factory.adapterName.includes('adapter-pg') ? withCharAsText(factory) : factory;
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
