import type { WebhookSenderSample } from '../../webhooks.sender.js';

// OxsKYT does not publish its report data structure: only `id` matters to the receiver.
export const OXSKYT_SAMPLE: WebhookSenderSample = {
  payload: {
    id: 'rpt_7f3c9a2e51d84b06',
    status: 'GENERATED',
    template: 'kyc-individual',
    subject: { firstName: 'Ada', lastName: 'Lovelace', country: 'GB' },
    pdfUrl: 'https://reports.oxskyt.example/rpt_7f3c9a2e51d84b06.pdf',
    generatedAt: '2024-05-31T09:04:53.000Z',
  },
};
