import { Injectable } from '@nestjs/common';
import { WebhookGuard } from '../../webhooks.guard.js';
import { githubSender } from './github.sender.js';

/** `@UseGuards(GithubWebhookGuard)` on a route of your own: verified as the module's route is. */
@Injectable()
export class GithubWebhookGuard extends WebhookGuard.for(githubSender) {}
