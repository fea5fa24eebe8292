import { Injectable } from '@nestjs/common';
import { WebhookGuard } from '../../webhooks.guard.js';
import { standardSender } from './standard.sender.js';

/** `@UseGuards(StandardWebhookGuard)` on a route of your own: verified as the module's route is. */
@Injectable()
export class StandardWebhookGuard extends WebhookGuard.for(standardSender) {}
