import { Injectable } from '@nestjs/common';
import { WebhookGuard } from '../../webhooks.guard.js';
import { ovcodeSender } from './ovcode.sender.js';

/** `@UseGuards(OvcodeWebhookGuard)` on a route of your own: verified as the module's route is. */
@Injectable()
export class OvcodeWebhookGuard extends WebhookGuard.for(ovcodeSender) {}
