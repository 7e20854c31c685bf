import { Command, InvalidArgumentError, Option } from 'commander';
import { B2B } from '../../contracts/common';
import { EVENT_SOURCES } from '../../services/events/event-types';
import type { ApiClient, Query } from '../api-client';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { table } from '../format';
import { action, collect, cursorOption, jsonOption, limitOption } from '../options';

const EVENTS = `${B2B}/events`;
const POLL_MS = 1000;
/**
 * How far back each --follow poll looks again: an event's id (and time) is taken before its
 * transaction commits, so one committed a moment late sorts behind events already shown.
 */
const LOOKBACK_MS = 10_000;

/** An event as GET /v1/b2b/events lists it. */
interface EventView {
  event_id: string;
  name: string;
  timestamp: string;
  source: string;
  object_id: string;
  actor: { type: string; id: string | null };
}

interface EventPage {
  events: EventView[];
  next_cursor: string | null;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

/** `--since`: an RFC 3339 time, or a duration back from now (`90s`, `15m`, `1h`, `7d`). */
export function sinceTime(value: string, now = Date.now()): string {
  const duration = /^(\d{1,6})([smhd])$/.exec(value);
  if (duration) return new Date(now - Number(duration[1]) * UNITS[duration[2]]).toISOString();
  if (Number.isNaN(Date.parse(value))) {
    throw new InvalidArgumentError('expected an RFC 3339 time (2026-12-01T00:00:00Z) or a duration (30m, 1h, 7d).');
  }
  return value;
}

const actorCell = (actor: EventView['actor']) => (actor.id ? `${actor.type}:${actor.id}` : actor.type);

function eventTable(events: EventView[]): string {
  return table(
    ['time', 'name', 'object', 'actor', 'source'],
    events.map((e) => [e.timestamp, e.name, e.object_id, actorCell(e.actor), e.source]),
  );
}

/**
 * Polls for events newer than those shown, printing each once, oldest first, until interrupted.
 * It walks the newest pages down to a little before the newest event already shown (see LOOKBACK_MS),
 * comparing server times only, so the client's clock does not matter.
 */
async function follow(ctx: CliContext, api: ApiClient, query: Query, first: EventPage, json: boolean): Promise<never> {
  const seen = new Map<string, number>();
  let newest = -Infinity;
  let headed = false;
  const show = (events: EventView[]) => {
    if (events.length === 0) return;
    for (const e of events) {
      seen.set(e.event_id, Date.parse(e.timestamp));
      newest = Math.max(newest, Date.parse(e.timestamp));
    }
    // One JSON object per line under --json, so that a pipe can read events as they come.
    if (json) return ctx.print(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    // The header once, above the first rows.
    const text = eventTable(events);
    ctx.print(headed ? text.slice(text.indexOf('\n') + 1) : text);
    headed = true;
  };
  show([...first.events].reverse());
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const fresh: EventView[] = [];
    let cursor: string | undefined;
    walk: for (;;) {
      const page = await api.get<EventPage>(EVENTS, { ...query, cursor, limit: 1000 });
      for (const e of page.events) {
        if (Date.parse(e.timestamp) < newest - LOOKBACK_MS) break walk;
        if (!seen.has(e.event_id)) fresh.push(e);
      }
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    show(fresh.reverse());
    for (const [id, time] of seen) if (time < newest - LOOKBACK_MS) seen.delete(id);
  }
}

/** `events`: the project's audit log (who did what, when, through which door). */
export function registerEvents(program: Command, ctx: CliContext): void {
  program
    .command('events')
    .description("the project's audit log, newest first: who changed what, when, from which source")
    .addOption(
      new Option('--type <name>', 'only events of this type (repeat for several; a prefix like scim.member.* takes all under it)')
        .argParser(collect)
        .default([]),
    )
    .option('--object <id>', 'only events about this object (member-test-…, organization-test-…, job-test-…)')
    .option('--organization <id>', 'only events of this organization')
    .option('--actor <id>', 'only events by this actor (a project id for the API key, a member or SCIM connection id, a job id)')
    .addOption(new Option('--source <source>', 'only events from this source').choices(EVENT_SOURCES))
    .option('--since <time>', 'only events at or after this time: RFC 3339 or a duration back from now (30m, 1h, 7d)', (v) => sinceTime(v))
    .option('--until <time>', 'only events at or before this time (RFC 3339)')
    .addOption(limitOption())
    .addOption(cursorOption())
    .addOption(jsonOption())
    .option(
      '--follow',
      'print the latest events oldest first, then new ones as they happen, until interrupted (Ctrl-C); with --json, one event per line',
    )
    .addHelpText('after', '\nExamples:\n  roster events --type scim.member.* --since 1h\n  roster events --object member-test-… --follow')
    .action(
      action(
        ctx,
        async (options: {
          type: string[];
          object?: string;
          organization?: string;
          actor?: string;
          source?: string;
          since?: string;
          until?: string;
          limit?: number;
          cursor?: string;
          json?: boolean;
          follow?: boolean;
        }) => {
          if (options.follow && (options.until !== undefined || options.cursor !== undefined)) {
            throw new UsageError('--follow shows events as they happen: it takes neither --until nor --cursor');
          }
          const query: Query = {
            // Names never hold commas: the API reads a comma-separated list as several types.
            event_type: options.type.length > 0 ? options.type.join(',') : undefined,
            object_id: options.object,
            organization_id: options.organization,
            actor_id: options.actor,
            source: options.source,
            from: options.since,
            to: options.until,
          };
          const api = ctx.api();
          const page = await api.get<EventPage>(EVENTS, { ...query, limit: options.limit, cursor: options.cursor });
          if (options.follow) return follow(ctx, api, query, page, options.json === true);
          if (options.json) return ctx.printJson(page);
          ctx.print(eventTable(page.events));
          const more = page.next_cursor ? `; older events: --cursor ${page.next_cursor}` : '';
          ctx.note(`${page.events.length.toLocaleString('en-US')} events${more}\n`);
        },
      ),
    );
}
