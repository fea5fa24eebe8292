/** Thrown at configuration time (startup), never per request. Names the offending option. */
export class WebhookConfigurationError extends Error {
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super(`nestjs-webhooks: invalid option "${option}": ${detail}`);
    this.name = 'WebhookConfigurationError';
  }
}
