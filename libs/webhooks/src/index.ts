// The public API. Anything not exported here is internal and may change without notice.
export { WebhooksModule } from './webhooks.module.js';
export type {
  WebhooksModuleOptions,
  WebhooksModuleExtras,
  WebhookProvidersOptions,
  WebhookIdempotencyOptions,
} from './webhooks.options.js';
export { WEBHOOKS_MODULE_OPTIONS } from './webhooks.module-definition.js';
export {
  WEBHOOK_PROVIDERS,
  WEBHOOK_EVENT_ROOT,
  WEBHOOK_OUTCOME_ROOT,
  type WebhookProvider,
} from './webhooks.constants.js';
export { OnWebhook, OnWebhookOutcome, type OnWebhookOptions } from './webhooks.decorator.js';
export type {
  WebhookEvent,
  WebhookDeliveryOutcome,
  WebhookOutcomeKind,
  WebhookOutcomeReason,
} from './webhooks.event.js';
export {
  WebhookGuard,
  OxskytWebhookGuard,
  InkitWebhookGuard,
  OvcodeWebhookGuard,
  CertificallWebhookGuard,
  IllowWebhookGuard,
} from './webhooks.guard.js';
export { WebhooksService, type WebhookRequestState } from './webhooks.service.js';
export { WebhookIdempotencyStore, type WebhookClaim } from './webhooks.storage.js';
export { MemoryIdempotencyStore } from './webhooks.memory-storage.js';
export {
  RedisIdempotencyStore,
  type RedisEvalClient,
  type RedisIdempotencyStoreOptions,
} from './webhooks.redis-storage.js';
export {
  WebhookException,
  WebhookVerificationException,
  WebhookPayloadException,
  WebhookInFlightException,
  WebhookHandlerException,
  WebhookPayloadTooLargeException,
  WebhookStoreException,
  WebhookUnsupportedEncodingException,
} from './webhooks.exception.js';
// The vendors' payloads as documented; the validation helpers behind them stay internal.
export {
  OxskytReportDto,
  InkitWebhookDto,
  InkitEventType,
  OvcodeCallbackDto,
  OvcodeStatusCode,
  ShareCasesWithMetaDatasDto,
  CaseForApiResponseDto,
  BaseItemDto,
  ItemDto,
  StepAction,
  IllowWebhookDto,
  IllowDsrCreatedMetadataDto,
  MAX_IDENTIFIER_LENGTH,
} from './dto/index.js';
export {
  createOxskytVerifier,
  createInkitVerifier,
  createOvcodeVerifier,
  createCertificallVerifier,
  createIllowVerifier,
  WebhookConfigurationError,
  DEFAULT_JSON_FALLBACK_LIMIT,
  type OxskytCredentials,
  type InkitCredentials,
  type OvcodeCredentials,
  type CertificallCredentials,
  type CertificallHmacCredential,
  type CertificallBasicCredential,
  type IllowCredentials,
  type Verifier,
  type VerifyResult,
  type RejectionReason,
  type HeaderBag,
  type Credential,
} from './schemes/index.js';
