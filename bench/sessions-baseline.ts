/**
 * The floor `bench:sessions` compares Roster against: a plain node:http
 * handler doing the irreducible work of a session authentication — one
 * primary-key lookup in Postgres and one RS256 signature (jose, as Roster
 * signs) — and nothing else. Started by bench/sessions.ts as a child process.
 */
import { createServer } from 'node:http';
import { importJWK, SignJWT } from 'jose';
import { Pool } from 'pg';

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  const { rows } = await pool.query('SELECT kid, private_jwk FROM signing_keys WHERE retired_at IS NULL LIMIT 1');
  const key = await importJWK(rows[0].private_jwk, 'RS256');
  const kid: string = rows[0].kid;

  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.end('ok'); // the bench's readiness probe
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', async () => {
      const { session_id } = JSON.parse(body) as { session_id: string };
      const found = await pool.query('SELECT * FROM member_sessions WHERE id = $1', [session_id]);
      const session = found.rows[0];
      const jwt = await new SignJWT({ sub: session.member_id, session: session.id })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ session_jwt: jwt }));
    });
  });
  server.listen(Number(process.env.PORT), '127.0.0.1');
}

void main();
