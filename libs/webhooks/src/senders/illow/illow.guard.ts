import { Injectable } from '@nestjs/common';
import { WebhookGuard } from '../../webhooks.guard.js';
import { illowSender } from './illow.sender.js';

/** `@UseGuards(IllowWebhookGuard)` on a route of your own: verified as the module's route is. */
@Injectable()
export class IllowWebhookGuard extends WebhookGuard.for(illowSender) {}
