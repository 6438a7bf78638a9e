import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

export function dataSourceOptions(databaseUrl: string, extra: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    // TypeORM's own query-error lines print each statement's parameters: the data. Errors reach the logs through the app's redacting serializer only.
    logging: false,
    extra: { max: 20, connectionTimeoutMillis: 5000 },
    ...extra,
  } as DataSourceOptions;
}
