import { Router, type Request, type Response } from 'express';
import type { AnyContract, BodyOf, ParamsOf, QueryOf, ResponseOf } from '../contracts';
import { memberAuthorization } from './middleware/member-authorization';
import { replyFor } from './respond';
import { validate } from './validation';

/** A request as its contract describes it: validated params, query and body. */
export type ContractRequest<C extends AnyContract> = Request<ParamsOf<C>, unknown, BodyOf<C>, QueryOf<C>>;

/** What a handler returns when it has written the response itself (a CSV stream). */
export const SENT = Symbol('response already sent');

export type ContractHandler<C extends AnyContract> = (req: ContractRequest<C>, res: Response) => Promise<ResponseOf<C> | typeof SENT>;

const mounts = new WeakMap<Router, string>();

/** A router for contracts whose paths start with `base`, the path it is mounted at ('' for the app itself). */
export function routerAt(base: string): Router {
  const router = Router();
  mounts.set(router, base);
  return router;
}

/**
 * Declares a contract's endpoint on `router`: the contract's request
 * validation, its member-session authorization when it declares one (see
 * middleware/member-authorization.ts), then `handler`, whose result is sent as the contract's
 * response (request_id and status_code added). The status is the
 * contract's, unless the handler set another one (health's 503).
 */
export function route<C extends AnyContract>(router: Router, contract: C, handler: ContractHandler<NoInfer<C>>): void {
  const base = mounts.get(router) ?? '';
  if (!contract.path.startsWith(`${base}/`)) throw new Error(`${contract.name}: ${contract.path} is not under ${base || '/'}`);
  const { params, query, body } = contract;
  const reply = replyFor(contract);
  router[contract.method](
    contract.path.slice(base.length),
    validate({ ...(params && { params }), ...(query && { query }), ...(body && { body }) }),
    ...(contract.authorization ? [memberAuthorization({ ...contract, authorization: contract.authorization })] : []),
    async (req: Request, res: Response) => {
      const result = await handler(req as unknown as ContractRequest<C>, res);
      if (result === SENT) return;
      reply(req, res, res.statusCode === 200 ? contract.status : res.statusCode, result as object);
    },
  );
}
