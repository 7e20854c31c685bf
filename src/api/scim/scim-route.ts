import { Router, type Request, type Response } from 'express';
import type { AnyContract, Contract } from '../../contracts';
import { AppError } from '../../errors';
import type { ContractRequest } from '../route';
import { responseCheck, validate } from '../validation';
import { scimReply } from './scim-router';

/** What a SCIM handler answers: a status (the contract's unless given), a body (none for 204) and headers (Location, ETag). */
export interface ScimResult {
  status?: number;
  body?: object;
  headers?: Record<string, string>;
}

export type ScimHandler<C extends AnyContract> = (req: ContractRequest<C>, res: Response) => Promise<ScimResult>;

/** A router for the SCIM contracts under a connection's base URL (`base`); it sees the base URL's :connection_id. */
export function scimRouterAt(base: string): Router & { base: string } {
  return Object.assign(Router({ mergeParams: true }), { base });
}

/** The response check of tests (checkResponses): a body that strays from its contract is a 500 that fails the test. */
function checkedBody(contract: Contract): (req: Request, body: object) => object {
  let problemsOf: ((body: unknown) => string[]) | undefined;
  return (req, body) => {
    if (req.app.locals.checkResponses !== true) return body;
    problemsOf ??= responseCheck(contract.response);
    const problems = problemsOf(JSON.parse(JSON.stringify(body)));
    if (problems.length > 0) {
      req.log.error({ contract: contract.name, problems }, 'response does not match its contract');
      throw new AppError(
        'response_contract_violation',
        500,
        `The ${contract.name} response does not match its contract: ${problems.join('; ')}`,
      );
    }
    return body;
  };
}

/**
 * Declares a SCIM contract's endpoint (`protocol: 'scim'`): its request
 * validation, then `handler`, whose body is sent as application/scim+json.
 * Failures reach the SCIM router's error handler (SCIM's envelope).
 */
export function scimRoute<C extends AnyContract>(router: Router & { base: string }, contract: C, handler: ScimHandler<NoInfer<C>>): void {
  if (contract.protocol !== 'scim') throw new Error(`${contract.name} is not a SCIM contract`);
  if (!contract.path.startsWith(`${router.base}/`)) throw new Error(`${contract.name}: ${contract.path} is not under ${router.base}`);
  const { params, query, body } = contract;
  const check = checkedBody(contract);
  router[contract.method](
    contract.path.slice(router.base.length),
    validate({ ...(params && { params }), ...(query && { query }), ...(body && { body }) }),
    async (req: Request, res: Response) => {
      const result = await handler(req as unknown as ContractRequest<C>, res);
      for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
      const status = result.status ?? contract.status;
      if (result.body === undefined) res.status(status).end();
      else scimReply(res, status, check(req, result.body));
    },
  );
}
