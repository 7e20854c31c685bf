import type { AddressInfo } from 'node:net';
import express from 'express';
import fastJson from 'fast-json-stringify';
import { contracts, defineContract } from '../../src/contracts';
import { envelope, noBody, object } from '../../src/contracts/common';
import { errorHandler } from '../../src/api/middleware/error-handler';
import { requestContext } from '../../src/api/middleware/request-context';
import { route, routerAt } from '../../src/api/route';
import { responseCheck } from '../../src/api/validation';

const widget = defineContract({
  name: 'widgets.get',
  method: 'get',
  path: '/v1/b2b/widgets/:widget_id',
  summary: 'A widget.',
  params: { type: 'object', properties: { widget_id: { type: 'string', maxLength: 5 } }, required: ['widget_id'] },
  response: envelope({ widget: object({ id: { type: 'string' }, label: { type: 'string' } }, ['id']) }, ['widget']),
  status: 200,
});

/** What the handler answers, per widget id: a body true to the contract, and three that are not. */
const BODIES: Record<string, object> = {
  good: { widget: { id: 'good' } },
  extra: { widget: { id: 'extra', secret: 'do not send' } },
  lacks: { widget: { label: 'no id' } },
  typed: { widget: { id: 42 } },
};

async function serve(checkResponses: boolean) {
  const app = express();
  app.locals.checkResponses = checkResponses;
  app.use(requestContext());
  const router = routerAt('/v1/b2b');
  // The handler lies about its type on purpose: the contract check is what must catch it.
  route(router, widget, async (req) => BODIES[req.params.widget_id] as never);
  app.use('/v1/b2b', router);
  app.use(errorHandler('https://docs.example.com'));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (id: string) => {
    const response = await fetch(`${base}/v1/b2b/widgets/${id}`);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  return { get, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('route()', () => {
  describe('with response checking (tests)', () => {
    let app: Awaited<ReturnType<typeof serve>>;
    beforeAll(async () => (app = await serve(true)));
    afterAll(() => app.close());

    it('sends a body true to its contract, in the envelope, with the contract status', async () => {
      const { status, body } = await app.get('good');
      expect(status).toBe(200);
      expect(body).toEqual({ request_id: expect.stringMatching(/^request-id-/), widget: { id: 'good' }, status_code: 200 });
    });

    it.each([
      ['an undeclared field', 'extra', /\/widget must NOT have additional properties "secret"/],
      ['a missing required field', 'lacks', /\/widget must have required property 'id'/],
      ['a mistyped field', 'typed', /\/widget\/id must be string/],
    ])('answers %s with a 500 response_contract_violation naming it', async (_label, id, problem) => {
      const { status, body } = await app.get(id);
      expect(status).toBe(500);
      expect(body.error_type).toBe('response_contract_violation');
      expect(body.error_message).toMatch(/^The widgets\.get response does not match its contract/);
      expect(body.error_message).toMatch(problem);
    });

    it("validates the request against the contract's schemas first", async () => {
      const { status, body } = await app.get('toolong');
      expect(status).toBe(400);
      expect(body.error_message).toMatch(/widget_id/);
    });
  });

  describe('without response checking (production)', () => {
    let app: Awaited<ReturnType<typeof serve>>;
    beforeAll(async () => (app = await serve(false)));
    afterAll(() => app.close());

    it('serializes from the schema: an undeclared field does not leave the server', async () => {
      const { status, body } = await app.get('extra');
      expect(status).toBe(200);
      expect(body.widget).toEqual({ id: 'extra' });
    });
  });
});

describe('the contracts', () => {
  it('name every endpoint once, and each method and path once', () => {
    const names = contracts.map((c) => c.name);
    const routes = contracts.map((c) => `${c.method.toUpperCase()} ${c.path}`);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(routes).size).toBe(routes.length);
  });

  it.each(contracts.map((c) => [c.name, c] as const))(
    '%s has a response schema that compiles to a check and a serializer',
    (_name, contract) => {
      expect(() => responseCheck(contract.response)).not.toThrow();
      expect(() => fastJson(contract.response as object)).not.toThrow();
      // Stytch's envelope on Stytch-style endpoints; SCIM endpoints answer SCIM's own bodies (RFC 7644),
      // and a 204 or a redirect (302) answers no body at all.
      if (contract.status === 204 || contract.status === 302) {
        expect(contract.response).toEqual(noBody);
      } else if (contract.protocol !== 'scim') {
        expect(contract.response).toMatchObject({ required: expect.arrayContaining(['request_id', 'status_code']) });
      }
    },
  );
});
