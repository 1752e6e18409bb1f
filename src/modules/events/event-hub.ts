/**
 * Process-wide fan-out of the event log to subscriptions. One LISTEN connection per instance wakes
 * readers; readers read the log from their cursor. The full implementation lives with the
 * subscriptions (see events module).
 */
export interface EventHub {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const idleEventHub: EventHub = {
  start: async () => undefined,
  stop: async () => undefined,
};
