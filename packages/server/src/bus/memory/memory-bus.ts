/** The single-node bus: delivers each event synchronously to every local subscriber. */
import type { Bus, BusEvent, BusHandler } from '../types.ts';

export function createMemoryBus(onHandlerError: (error: unknown) => void = () => undefined): Bus {
  const handlers = new Set<BusHandler>();
  return {
    publish(event: BusEvent) {
      for (const handler of handlers) {
        try {
          handler(event);
        } catch (error) {
          onHandlerError(error);
        }
      }
    },
    subscribe(handler: BusHandler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    close() {
      handlers.clear();
      return Promise.resolve();
    },
  };
}
