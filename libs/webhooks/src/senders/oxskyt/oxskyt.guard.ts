import { Injectable } from '@nestjs/common';
import { WebhookGuard } from '../../webhooks.guard.js';
import { oxskytSender } from './oxskyt.sender.js';

/** `@UseGuards(OxskytWebhookGuard)` on a route of your own: verified as the module's route is. */
@Injectable()
export class OxskytWebhookGuard extends WebhookGuard.for(oxskytSender) {}
