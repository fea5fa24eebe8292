import type { WebhookSenderSample } from '../../webhooks.sender.js';

export const INKIT_SAMPLE: WebhookSenderSample = {
  payload: {
    event_type: 'DOCUMENT_CREATE_FINISHED',
    resource_id: 'doc_2N0X2g4f3b1JJU75fqzDZs',
  },
};
