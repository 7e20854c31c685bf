import { Client } from 'pg';
import { ensureDatabase } from '../src/db/database';

/** A new, empty database `name` on the server of `serverUrl` (dropped first if a previous run left it); its URL. */
export async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  return url.toString();
}
