import type { Request, Response } from 'express';
import fastJson from 'fast-json-stringify';
import type { Contract } from '../contracts';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { responseCheck } from './validation';

/** Every response, success or error, carries request_id and status_code. */
export function respond(req: Request, res: Response, statusCode: number, body: Record<string, unknown>): void {
  res.status(statusCode).json({ request_id: req.requestId, ...body, status_code: statusCode });
}

export type Reply = (req: Request, res: Response, statusCode: number, body: object) => void;

/**
 * A contract's success bodies as JSON text. They are serialized from the
 * response schema, so only declared fields leave the server (and the hot
 * paths skip JSON.stringify's generic walk). With `checkResponses` (tests),
 * the body is first checked against the schema as JSON.stringify would have
 * sent it: an undeclared, missing or mistyped field is a 500
 * `response_contract_violation`, logged, that fails the test that met it.
 * Both are compiled on first use.
 */
export function serializerFor(contract: Contract): (reply: object, checkResponses: boolean, log: () => Logger) => string {
  let serialize: ((body: object) => string) | undefined;
  let problemsOf: ((body: unknown) => string[]) | undefined;
  return (reply, checkResponses, log) => {
    if (checkResponses) {
      problemsOf ??= responseCheck(contract.response);
      const problems = problemsOf(JSON.parse(JSON.stringify(reply)));
      if (problems.length > 0) {
        log().error({ contract: contract.name, problems }, 'response does not match its contract');
        throw new AppError(
          'response_contract_violation',
          500,
          `The ${contract.name} response does not match its contract: ${problems.join('; ')}`,
        );
      }
    }
    serialize ??= fastJson(contract.response as object);
    return serialize(reply);
  };
}

/** How a contract's success bodies are sent (see serializerFor). */
export function replyFor(contract: Contract): Reply {
  const serialize = serializerFor(contract);
  return (req, res, statusCode, body) => {
    const reply = { request_id: req.requestId, ...body, status_code: statusCode };
    res
      .status(statusCode)
      .type('application/json')
      .send(serialize(reply, req.app.locals.checkResponses === true, () => req.log));
  };
}
