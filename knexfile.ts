import { loadConfig } from './src/config';
import { knexConfig } from './src/db/knex';

/** For the knex CLI; the app itself builds its connection in src/container.ts. */
export default knexConfig(loadConfig().databaseUrl);
