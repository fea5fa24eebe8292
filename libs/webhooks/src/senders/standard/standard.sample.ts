import type { WebhookSenderSample } from '../../webhooks.sender.js';

/** The specification's "contact.created" example, with the data's own `type` as its full payload has it. */
export const STANDARD_SAMPLE: WebhookSenderSample = {
  payload: {
    type: 'contact.created',
    timestamp: '2022-11-03T20:26:10.344522Z',
    data: {
      id: '1f81eb52-5198-4599-803e-771906343485',
      type: 'contact',
    },
  },
};
