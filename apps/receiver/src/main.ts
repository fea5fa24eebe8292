import { Logger } from '@nestjs/common';
import { createReceiver } from './bootstrap.js';

const app = await createReceiver();
const port = Number(process.env.PORT ?? 3000);
await app.listen(port);
new Logger('Receiver').log(
  `Listening on http://localhost:${port} (webhooks under /webhooks, API under /api)`,
);
