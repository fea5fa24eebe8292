import { Injectable } from '@nestjs/common';
import { WebhookGuard } from '../../webhooks.guard.js';
import { stripeSender } from './stripe.sender.js';

/** `@UseGuards(StripeWebhookGuard)` on a route of your own: verified as the module's route is. */
@Injectable()
export class StripeWebhookGuard extends WebhookGuard.for(stripeSender) {}
