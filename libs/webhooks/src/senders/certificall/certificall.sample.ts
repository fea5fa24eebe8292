import type { WebhookSenderSample } from '../../webhooks.sender.js';

export const CERTIFICALL_SAMPLE: WebhookSenderSample = {
  payload: {
    cfRef: 'CF-2024-000123',
    reportId: '6659949d1f0c2b3a4e5d6f70',
    caseUrl: 'https://app.certificall.app/cases/CF-2024-000123.pdf',
    createdAt: '2024-05-31T09:04:53.000Z',
    items: [
      {
        createdAt: '2024-05-31T09:01:12.000Z',
        cfRef: 'CF-2024-000123-01',
        description: 'Front of the building',
        geolocLatitude: '48.856614',
        geolocLongitude: '2.3522219',
        imageUrl: 'https://app.certificall.app/items/CF-2024-000123-01.jpg',
        stepAction: 'PHOTOGRAPHY',
        data: 'CF-2024-000123-01.jpg',
      },
    ],
  },
};
