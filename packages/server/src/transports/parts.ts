/** What transports are given by the composition root. */
import type { ActionContext } from '../actions/context.ts';
import type { Config } from '../config/config.ts';
import type { Hub } from '../live/hub.ts';
import type { Outbox } from '../live/outbox.ts';

export interface ServerParts {
  readonly ctx: ActionContext;
  readonly hub: Hub;
  readonly outbox: Outbox;
  readonly config: Config;
  readonly clock: () => number;
  readonly version: string;
  readonly onError: (error: unknown) => void;
}
