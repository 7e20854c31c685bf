import { Command, Option } from 'commander';
import { B2B } from '../../contracts/common';
import type { WebhookEndpointWire } from '../../contracts/webhook-endpoints';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { fields, pageSummary, table } from '../format';
import { action, collect, cursorOption, jsonOption, limitOption } from '../options';

interface EndpointAnswer {
  endpoint: WebhookEndpointWire;
}
interface EndpointWithSecret extends EndpointAnswer {
  secret: string;
}

/** A delivery as the webhook-delivery API shows it. */
interface DeliveryView {
  delivery_id: string;
  event_name: string;
  object_id: string;
  status: string;
  attempt_count: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  created_at: string;
}
interface DeliveryPage {
  deliveries: DeliveryView[];
  results_metadata: { total: number; next_cursor: string | null };
}

const ENDPOINTS = `${B2B}/webhooks/endpoints`;
const endpointPath = (endpointId: string) => `${ENDPOINTS}/${encodeURIComponent(endpointId)}`;

const eventTypeOption = () =>
  new Option('--event-type <name>', 'an event to send (repeatable; see `roster webhooks event-types`)').argParser(collect).default([]);

function printEndpoint(ctx: CliContext, endpoint: WebhookEndpointWire): void {
  ctx.print(
    fields([
      ['endpoint_id', endpoint.endpoint_id],
      ['url', endpoint.url],
      ['description', endpoint.description],
      // An empty list subscribes to everything but bulk per-member events: say so rather than print "-".
      ['event_types', endpoint.event_types.length > 0 ? endpoint.event_types : "all (except bulk jobs' per-member events)"],
      ['status', endpoint.status],
      ['disabled_reason', endpoint.disabled_reason],
      ['disabled_at', endpoint.disabled_at],
      ['failing_since', endpoint.failing_since],
      ['created_at', endpoint.created_at],
      ['updated_at', endpoint.updated_at],
    ]),
  );
}

/** An endpoint with its new secret: the secret on a line of its own (it is shown this once). */
function printWithSecret(ctx: CliContext, answer: EndpointWithSecret, json: boolean | undefined): void {
  if (json) return ctx.printJson(answer);
  printEndpoint(ctx, answer.endpoint);
  ctx.print(`secret: ${answer.secret}\n`);
  ctx.note('The secret is shown this once: store it where your receiver verifies signatures (Standard Webhooks).\n');
}

/** `webhooks …`: where the project's events are delivered, and the delivery log. */
export function registerWebhooks(program: Command, ctx: CliContext): void {
  const webhooks = program.command('webhooks').description("the project's webhook endpoints and their deliveries");

  const show = (answer: EndpointAnswer, json: boolean | undefined) => (json ? ctx.printJson(answer) : printEndpoint(ctx, answer.endpoint));

  webhooks
    .command('list')
    .description('list webhook endpoints, newest first')
    .addOption(jsonOption())
    .action(
      action(ctx, async (options: { json?: boolean }) => {
        const answer = await ctx.api().get<{ endpoints: WebhookEndpointWire[] }>(ENDPOINTS);
        if (options.json) return ctx.printJson(answer);
        ctx.print(
          table(
            ['endpoint_id', 'status', 'url', 'event_types'],
            answer.endpoints.map((e) => [e.endpoint_id, e.status, e.url, e.event_types.length > 0 ? e.event_types : 'all']),
          ),
        );
      }),
    );

  webhooks
    .command('create <url>')
    .description('create a webhook endpoint and print its signing secret (shown once)')
    .addOption(eventTypeOption())
    .option('--description <text>', 'what the endpoint is for')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      "\nWithout --event-type the endpoint gets every event except bulk jobs' per-member ones (migration.member.*, and scim.member.* from SCIM reconciles and role refreshes).\n" +
        'Example:\n  roster webhooks create https://example.com/webhooks --event-type direct.member.create --event-type job.completed',
    )
    .action(
      action(ctx, async (url: string, options: { eventType: string[]; description?: string; json?: boolean }) => {
        const answer = await ctx.api().post<EndpointWithSecret>(ENDPOINTS, {
          url,
          description: options.description,
          event_types: options.eventType,
        });
        printWithSecret(ctx, answer, options.json);
      }),
    );

  webhooks
    .command('get <endpoint_id>')
    .description('show a webhook endpoint')
    .addOption(jsonOption())
    .action(
      action(ctx, async (endpointId: string, options: { json?: boolean }) => {
        show(await ctx.api().get<EndpointAnswer>(endpointPath(endpointId)), options.json);
      }),
    );

  webhooks
    .command('update <endpoint_id>')
    .description("change a webhook endpoint's url, description or event types")
    .option('--url <url>', 'where to deliver')
    .option('--description <text>', 'what the endpoint is for')
    .addOption(eventTypeOption())
    .option('--all-events', 'subscribe to every event except bulk per-member ones (clears the event types)')
    .addOption(jsonOption())
    .action(
      action(
        ctx,
        async (
          endpointId: string,
          options: { url?: string; description?: string; eventType: string[]; allEvents?: boolean; json?: boolean },
        ) => {
          if (options.allEvents && options.eventType.length > 0) throw new UsageError('--all-events and --event-type exclude each other');
          const eventTypes = options.allEvents ? [] : options.eventType.length > 0 ? options.eventType : undefined;
          if (options.url === undefined && options.description === undefined && eventTypes === undefined) {
            throw new UsageError('nothing to change: give --url, --description, --event-type or --all-events');
          }
          const answer = await ctx.api().put<EndpointAnswer>(endpointPath(endpointId), {
            url: options.url,
            description: options.description,
            event_types: eventTypes,
          });
          show(answer, options.json);
        },
      ),
    );

  for (const [command, status, description] of [
    ['enable', 'enabled', 'resume deliveries to an endpoint (forgets why it was disabled)'],
    ['disable', 'disabled', 'stop deliveries to an endpoint'],
  ] as const) {
    webhooks
      .command(`${command} <endpoint_id>`)
      .description(description)
      .addOption(jsonOption())
      .action(
        action(ctx, async (endpointId: string, options: { json?: boolean }) => {
          show(await ctx.api().put<EndpointAnswer>(endpointPath(endpointId), { status }), options.json);
        }),
      );
  }

  webhooks
    .command('delete <endpoint_id>')
    .description('delete a webhook endpoint with its secrets and delivery log')
    .addOption(jsonOption())
    .action(
      action(ctx, async (endpointId: string, options: { json?: boolean }) => {
        const answer = await ctx.api().delete<{ endpoint_id: string }>(endpointPath(endpointId));
        if (options.json) return ctx.printJson(answer);
        ctx.print(`deleted ${answer.endpoint_id}\n`);
      }),
    );

  webhooks
    .command('rotate-secret <endpoint_id>')
    .description('mint a new signing secret (shown once); the previous one keeps signing beside it for 24 hours')
    .addOption(jsonOption())
    .action(
      action(ctx, async (endpointId: string, options: { json?: boolean }) => {
        printWithSecret(ctx, await ctx.api().post<EndpointWithSecret>(`${endpointPath(endpointId)}/rotate_secret`, {}), options.json);
      }),
    );

  webhooks
    .command('event-types')
    .description('list the event names an endpoint may subscribe to')
    .addOption(jsonOption())
    .action(
      action(ctx, async (options: { json?: boolean }) => {
        const answer = await ctx.api().get<{ event_types: string[] }>(`${B2B}/webhooks/event_types`);
        if (options.json) return ctx.printJson(answer);
        ctx.print(answer.event_types.map((name) => `${name}\n`).join(''));
      }),
    );

  webhooks
    .command('deliveries <endpoint_id>')
    .description("list an endpoint's deliveries, newest first")
    .addOption(new Option('--status <status>', 'only deliveries in this status').choices(['pending', 'succeeded', 'failed']))
    .addOption(limitOption())
    .addOption(cursorOption())
    .addOption(jsonOption())
    .action(
      action(ctx, async (endpointId: string, options: { status?: string; limit?: number; cursor?: string; json?: boolean }) => {
        const page = await ctx.api().get<DeliveryPage>(`${endpointPath(endpointId)}/deliveries`, {
          status: options.status,
          limit: options.limit,
          cursor: options.cursor,
        });
        if (options.json) return ctx.printJson(page);
        ctx.print(
          table(
            ['delivery_id', 'event_name', 'object_id', 'status', 'attempts', 'last_status', 'next_attempt_at', 'created_at'],
            page.deliveries.map((d) => [
              d.delivery_id,
              d.event_name,
              d.object_id,
              d.status,
              d.attempt_count,
              d.last_status_code,
              d.next_attempt_at,
              d.created_at,
            ]),
          ),
        );
        const { total, next_cursor } = page.results_metadata;
        ctx.note(pageSummary(page.deliveries.length, total, 'deliveries', next_cursor));
      }),
    );

  webhooks
    .command('replay <delivery_id>')
    .description('send a delivery again')
    .addOption(jsonOption())
    .action(
      action(ctx, async (deliveryId: string, options: { json?: boolean }) => {
        const answer = await ctx
          .api()
          .post<{ delivery: DeliveryView }>(`${B2B}/webhooks/deliveries/${encodeURIComponent(deliveryId)}/replay`, {});
        if (options.json) return ctx.printJson(answer);
        const d = answer.delivery;
        ctx.print(
          fields([
            ['delivery_id', d.delivery_id],
            ['event_name', d.event_name],
            ['status', d.status],
            ['attempt_count', d.attempt_count],
            ['next_attempt_at', d.next_attempt_at],
          ]),
        );
      }),
    );
}
