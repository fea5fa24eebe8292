import type { WebhookProvider } from '../webhooks.constants.js';

/**
 * One realistic body per sender, shaped as each vendor's page documents it, so tests and the CLI
 * exercise the receiver's validation as a real delivery would. Every one passes the module's DTOs.
 */
export const SAMPLE_PAYLOADS: Record<WebhookProvider, object> = {
  // OxsKYT does not publish its report data structure: only `id` matters to the receiver.
  oxskyt: {
    id: 'rpt_7f3c9a2e51d84b06',
    status: 'GENERATED',
    template: 'kyc-individual',
    subject: { firstName: 'Ada', lastName: 'Lovelace', country: 'GB' },
    pdfUrl: 'https://reports.oxskyt.example/rpt_7f3c9a2e51d84b06.pdf',
    generatedAt: '2024-05-31T09:04:53.000Z',
  },
  inkit: {
    event_type: 'DOCUMENT_CREATE_FINISHED',
    resource_id: 'doc_2N0X2g4f3b1JJU75fqzDZs',
  },
  ovcode: {
    reference: 'F-95ad51b6-a10a-49b0-b131-84752e2b422d',
    status_code: 'S',
    cid: 'QmdsF6eSo47eLwnHC3ChdefJC1vHaLZSKppVSVMoaYDN78',
    token_id: 1,
    hash: '47e795f5a9f9e091e2df10c692fcfe6c0af9e8206c160b2d6f1ea16f7df54057',
    file: 'https://msovcode.blob.core.windows.net/encryption-test/Example.pdf',
    timestamp: '2024-05-31 09:04:53.0',
  },
  certificall: {
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
  illow: {
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
};

/** illow names the event only in the callback URL; this is the one its page documents. */
export const DEFAULT_ILLOW_EVENT = 'DSR_CREATED';
