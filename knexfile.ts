import { loadConfig } from './src/config';
import { knexConfig } from './src/db/knex';

/** For the knex CLI; the app itself builds its connection in src/container.ts. */
const config = loadConfig();
export default knexConfig(config.databaseUrl, config.database);
