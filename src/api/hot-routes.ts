import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { AnyContract, BodyOf, ResponseOf } from '../contracts';
import { exchangeIntermediateSession } from '../contracts/discovery';
import { exchangeSession } from '../contracts/session-exchange';
import * as sessions from '../contracts/sessions';
import type { Container } from '../container';
import { AppError } from '../errors';
import { logger } from '../logger';
import type { ProjectContext } from '../services/project-context';
import { JSON_BODY_LIMIT } from './app';
import { projectOf, requestIdIn } from './middleware/authenticate';
import { apiErrorOf, errorJson } from './middleware/error-handler';
import { checkJsonDepth, checkParsedBody, duplicateHeader } from './middleware/input-hygiene';
import { newRequestId, recordRequest } from './middleware/request-context';
import { presentExchange } from './presenters/discovery.presenter';
import { serializerFor } from './respond';
import { authenticateSession } from './routes/sessions.routes';
import { requestCheck } from './validation';

/**
 * The hot path. `sessions.authenticate` runs on every page view of every
 * integrated app, and Express 5's own per-request work (its walk over every
 * mounted router, the request/response prototype swaps, body-parser) measured
 * about 0.25 ms of CPU per request on this machine, a third of the whole
 * call. Plain requests to a hot route are therefore answered straight from
 * node:http, with the pieces its Express route uses: the contract's
 * validation and serializer, project authentication, the input-hygiene
 * checks, the error envelope and the request log line. Anything out of the
 * ordinary (another content type or charset, a compressed, chunked, empty or
 * oversized body, a doubled header) goes through Express, which answers it as
 * it answers every route. The route-walking test covers both.
 */

interface HotRoute<C extends AnyContract> {
  contract: C;
  handle(project: ProjectContext, body: BodyOf<C>): Promise<ResponseOf<C>>;
}

const hot = <C extends AnyContract>(contract: C, handle: HotRoute<C>['handle']): HotRoute<AnyContract> =>
  ({ contract, handle }) as HotRoute<AnyContract>;

const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

/** A request the hot path may answer: a JSON body of known, acceptable length, sent as every SDK sends it. */
function isPlain(req: IncomingMessage): boolean {
  const { headers } = req;
  const length = Number(headers['content-length']);
  return (
    length > 0 &&
    length <= JSON_BODY_LIMIT &&
    JSON_TYPES.has(headers['content-type']?.toLowerCase() ?? '') &&
    headers['content-encoding'] === undefined &&
    headers['transfer-encoding'] === undefined &&
    duplicateHeader(req.rawHeaders) === undefined
  );
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', () => reject(new AppError('bad_request', 400, 'The request body could not be read.')));
  });
}

/** As express.json({ strict: true }): the body must be a JSON object or array. */
function parseJson(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  const first = /^[ \t\n\r]*(.)/.exec(text)?.[1];
  try {
    if (first === '{' || first === '[') return JSON.parse(text);
  } catch {
    // answered below, as body-parser answers it
  }
  throw new AppError('invalid_json', 400, 'The request body is not valid JSON.');
}

/** Headers as one flat list, written at once: setHeader validates and stores each in the response's header map first. */
function send(res: ServerResponse, statusCode: number, requestId: string, json: string): void {
  res.writeHead(statusCode, [
    'Content-Type',
    'application/json; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(json)),
    'X-Request-Id',
    requestId,
  ]);
  res.end(json);
}

/** The API's request listener: hot routes straight from node:http, everything else through the Express app. */
export function createRequestListener(container: Container, app: Express): RequestListener {
  const { projects, config } = container;
  const observe = container.metrics.observeRequest;
  const routes = new Map(
    [
      hot(sessions.authenticateSession, authenticateSession(container.sessions, container.authorization)),
      // Moving between organizations, as often as people switch: see OrganizationExchange.
      hot(exchangeSession, async (project, body) =>
        presentExchange(project.env, await container.organizationExchange.exchangeSession(project, body)),
      ),
      hot(exchangeIntermediateSession, async (project, body) =>
        presentExchange(project.env, await container.organizationExchange.exchangeIntermediateSession(project, body)),
      ),
    ].map((route) => {
      const check = requestCheck({ body: route.contract.body! });
      const serialize = serializerFor(route.contract);

      const answer = async (req: IncomingMessage, res: ServerResponse) => {
        const started = process.hrtime.bigint();
        let requestId = newRequestId();
        let project: ProjectContext | undefined;
        const log = () => logger.child({ request_id: requestId });
        try {
          const raw = await readBody(req);
          project = await projectOf(projects, req.headers.authorization);
          requestId = requestIdIn(project, requestId);
          checkJsonDepth(raw);
          const body = parseJson(raw);
          checkParsedBody('POST', body);
          const invalid = check({ body });
          if (invalid) throw invalid;
          const result = await route.handle(project, body as never);
          const reply = { request_id: requestId, ...result, status_code: route.contract.status };
          send(res, route.contract.status, requestId, serialize(reply, config.checkResponses, log));
        } catch (err) {
          const error = apiErrorOf(err, log());
          send(res, error.statusCode, requestId, errorJson(error, requestId, config.docsUrl));
        }
        recordRequest(observe, {
          requestId,
          method: req.method!,
          path: route.contract.path,
          route: route.contract.path,
          project,
          statusCode: res.statusCode,
          started,
        });
      };
      return [`${route.contract.method.toUpperCase()} ${route.contract.path}`, answer] as const;
    }),
  );

  return (req, res) => {
    const answer = routes.get(`${req.method} ${req.url}`);
    if (answer && isPlain(req)) void answer(req, res);
    else app(req, res);
  };
}
