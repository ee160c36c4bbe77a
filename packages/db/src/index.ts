export { openDatabase, type Database, type OpenDatabaseOptions } from './open-database.ts';
export type { StatementStats } from './counting-adapter.ts';
export { MigrationChecksumError } from './migrations.ts';
