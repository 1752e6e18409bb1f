import { registerEnumType } from 'type-graphql';

export enum WebhookStatus {
  ACTIVE = 'ACTIVE',
  PAUSED = 'PAUSED',
  FAILING = 'FAILING',
}
registerEnumType(WebhookStatus, {
  name: 'WebhookStatus',
  description: 'Whether a webhook delivers. PAUSED and FAILING deliver nothing and resume from their cursor with resumeWebhook.',
  valuesConfig: {
    ACTIVE: { description: 'Events are evaluated and delivered.' },
    PAUSED: { description: 'Paused by its owner (pauseWebhook): nothing is evaluated or sent until resumeWebhook.' },
    FAILING: {
      description:
        'A delivery kept failing for the whole retry window (or the document no longer runs): nothing is sent until resumeWebhook, which resumes without a gap.',
    },
  },
});

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
}
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Not acknowledged yet: waiting for its turn (earlier events of the same customer first), in flight, or waiting for a retry.' },
    DELIVERED: { description: 'The receiver answered 2xx.' },
  },
});
