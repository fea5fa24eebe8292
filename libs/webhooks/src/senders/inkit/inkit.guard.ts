import { Injectable } from '@nestjs/common';
import { WebhookGuard } from '../../webhooks.guard.js';
import { inkitSender } from './inkit.sender.js';

/** `@UseGuards(InkitWebhookGuard)` on a route of your own: verified as the module's route is. */
@Injectable()
export class InkitWebhookGuard extends WebhookGuard.for(inkitSender) {}
