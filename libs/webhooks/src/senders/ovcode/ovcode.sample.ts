import type { WebhookSenderSample } from '../../webhooks.sender.js';

export const OVCODE_SAMPLE: WebhookSenderSample = {
  payload: {
    reference: 'F-95ad51b6-a10a-49b0-b131-84752e2b422d',
    status_code: 'S',
    cid: 'QmdsF6eSo47eLwnHC3ChdefJC1vHaLZSKppVSVMoaYDN78',
    token_id: 1,
    hash: '47e795f5a9f9e091e2df10c692fcfe6c0af9e8206c160b2d6f1ea16f7df54057',
    file: 'https://msovcode.blob.core.windows.net/encryption-test/Example.pdf',
    timestamp: '2024-05-31 09:04:53.0',
  },
};
