import { Injectable } from '@nestjs/common';
import { WebhookGuard } from '../../webhooks.guard.js';
import { certificallSender } from './certificall.sender.js';

/** `@UseGuards(CertificallWebhookGuard)` on a route of your own: verified as the module's route is. */
@Injectable()
export class CertificallWebhookGuard extends WebhookGuard.for(certificallSender) {}
