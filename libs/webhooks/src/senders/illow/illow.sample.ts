import type { WebhookSenderSample } from '../../webhooks.sender.js';

export const ILLOW_SAMPLE: WebhookSenderSample = {
  payload: {
    companyId: 'c0a80121-7ac0-4e1c-9f3d-2b8e6f1d5a90',
    siteId: 'b7e2d4f0-3c1a-4d8e-a6b5-9f0e1d2c3b4a',
    idempotencyKey: 'd3f1a6c2-58e4-4b7a-9c0d-1e2f3a4b5c6d',
    metadata: {
      id: 'a1b2c3d4-e5f6-4789-8abc-def012345678',
      companyId: 'c0a80121-7ac0-4e1c-9f3d-2b8e6f1d5a90',
      createdAt: '2024-05-31T09:04:53.000Z',
      dueDate: '2024-06-30T09:04:53.000Z',
      legislation: 'GDPR',
      requestStatus: 'PENDING',
    },
  },
  // illow names the event only in the callback URL; this is the one its page documents.
  event: 'DSR_CREATED',
};
