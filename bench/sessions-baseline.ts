/**
 * The floors `bench:sessions` compares Roster against: plain node:http
 * handlers doing only the irreducible work of a call, nothing else. Started
 * by bench/sessions.ts as a child process.
 *  - `POST /`: a session authentication — one primary-key lookup in Postgres
 *    and one RS256 signature (jose, as Roster signs).
 *  - `POST /write`: an exchange — the same lookup of the prior session, one
 *    INSERT of a new member_sessions row (autocommit, so one WAL flush, as
 *    Roster's single-statement write) with a fresh token's hash, and one RS256
 *    signature. The read-only floor leaves out the write an exchange cannot skip.
 */
import { createServer } from 'node:http';
import { importJWK, SignJWT } from 'jose';
import { Pool } from 'pg';
import { uuidv7 } from '../src/ids';
import { hashSecret, newSecret } from '../src/secrets';

const INSERT_SESSION = {
  name: 'baseline-session-insert',
  text: `INSERT INTO member_sessions (id, project_id, organization_id, member_id, token_hash, authentication_factors, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + interval '60 minutes') RETURNING *`,
};

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  const { rows } = await pool.query('SELECT kid, private_jwk FROM signing_keys WHERE retired_at IS NULL LIMIT 1');
  const key = await importJWK(rows[0].private_jwk, 'RS256');
  const kid: string = rows[0].kid;

  const sign = (session: { id: string; member_id: string }) =>
    new SignJWT({ sub: session.member_id, session: session.id })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);

  const answer = async (path: string | undefined, session_id: string) => {
    const prior = (await pool.query('SELECT * FROM member_sessions WHERE id = $1', [session_id])).rows[0];
    if (path !== '/write') return { session_jwt: await sign(prior) };
    const token = newSecret();
    const values = [
      uuidv7(),
      prior.project_id,
      prior.organization_id,
      prior.member_id,
      hashSecret(token),
      JSON.stringify(prior.authentication_factors),
    ];
    const session = (await pool.query({ ...INSERT_SESSION, values })).rows[0];
    return { session_token: token, session_jwt: await sign(session) };
  };

  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.end('ok'); // the bench's readiness probe
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', async () => {
      const { session_id } = JSON.parse(body) as { session_id: string };
      const json = JSON.stringify(await answer(req.url, session_id));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(json);
    });
  });
  server.listen(Number(process.env.PORT), '127.0.0.1');
}

void main();
