import { Logger } from '@nestjs/common';
import { RECEIVER_PROCESSING } from './app.module.js';
import { createReceiver } from './bootstrap.js';
import type { ReceiverProcessing } from './config/processing.config.js';

const app = await createReceiver();
const port = Number(process.env.PORT ?? 3000);
await app.listen(port);
const { role } = app.get<ReceiverProcessing>(RECEIVER_PROCESSING);
new Logger('Receiver').log(
  role === 'worker'
    ? `Listening on http://localhost:${port} (/health and /metrics only: this process runs queued deliveries)`
    : `Listening on http://localhost:${port} (webhooks under /webhooks, API under /api)`,
);
