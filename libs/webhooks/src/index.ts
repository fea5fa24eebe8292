// The public API. Anything not exported here is internal and may change without notice.
export { WebhooksModule } from './webhooks.module.js';
export type {
  WebhooksModuleOptions,
  WebhooksModuleExtras,
  WebhookIdempotencyOptions,
} from './webhooks.options.js';
export { WEBHOOKS_MODULE_OPTIONS } from './webhooks.module-definition.js';
export { WEBHOOK_EVENT_ROOT, WEBHOOK_OUTCOME_ROOT } from './webhooks.constants.js';

// Senders: the one definition each, built-in or your own.
export {
  defineWebhookSender,
  type WebhookCredentialResolver,
  type WebhookCredentialResolverRef,
  type WebhookCredentialLookup,
  type WebhookTenantOptions,
  type WebhookSender,
  type WebhookSenderSpec,
  type ConfiguredWebhookSender,
  type WebhookDeliveryContext,
  type WebhookSenderSample,
  type WebhookSenderCli,
  type WebhookSenderCliCredential,
  type WebhookSenderCliOption,
  type WebhookSenderCliInput,
} from './webhooks.sender.js';
export { BUILT_IN_SENDERS } from './senders/index.js';
export { TENANT_PATTERN } from './webhooks.tenants.js';

// Handlers and outcomes.
export {
  OnWebhook,
  OnWebhookOutcome,
  type OnWebhookOptions,
  type OnUnlistedWebhookOptions,
  type WebhookHandlerDecorator,
} from './webhooks.decorator.js';
export type {
  WebhookEvent,
  WebhookEventFor,
  WebhookPayloadFor,
  WebhookEventName,
  WebhookEventPattern,
  WebhookSenderRegistry,
  WebhookSenderId,
  WebhookDeliveryOutcome,
  WebhookOutcomeKind,
  WebhookOutcomeReason,
} from './webhooks.event.js';
export { WebhookGuard } from './webhooks.guard.js';
export {
  WebhooksService,
  type VerifiedDelivery,
  type WebhookAttempt,
  type WebhookServedSender,
} from './webhooks.service.js';

// Queue mode: the queue's contract (its BullMQ implementation is `nestjs-webhooks/bullmq`).
export {
  WebhookQueue,
  type QueuedWebhookDelivery,
  type WebhookEnqueueResult,
  type WebhookHandledResult,
} from './webhooks.queue.js';

// De-duplication.
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
  WebhookQueueException,
  WebhookUnsupportedEncodingException,
} from './webhooks.exception.js';

// What a verifier is made of: the contract, and the checked helpers the built-ins use.
export {
  WebhookConfigurationError,
  DEFAULT_JSON_FALLBACK_LIMIT,
  ACCEPTED,
  accepted,
  rejected,
  readHeader,
  requiredHeader,
  type Verifier,
  type VerifyResult,
  type Accepted,
  type Rejected,
  type RejectionReason,
  type HeaderBag,
  type HeaderRead,
  type Credential,
  type SignedHeaders,
  timestampCheck,
  DEFAULT_TIMESTAMP_TOLERANCE_SECONDS,
  type TimestampOptions,
} from './schemes/index.js';
export { credentialList, bytesEqual, decodeHex, decodeBase64 } from './schemes/credentials.js';
export { MAX_IDENTIFIER_LENGTH, IsBoundedIdentifier } from './dto/index.js';

// The built-ins, one folder each.
export { oxskytSender } from './senders/oxskyt/oxskyt.sender.js';
export { OxskytWebhookGuard } from './senders/oxskyt/oxskyt.guard.js';
export { OxskytReportDto } from './senders/oxskyt/oxskyt.dto.js';
export { createOxskytVerifier, type OxskytCredentials } from './senders/oxskyt/oxskyt.scheme.js';

export { inkitSender, INKIT_REPEATABLE_EVENT_TTL_MS } from './senders/inkit/inkit.sender.js';
export { InkitWebhookGuard } from './senders/inkit/inkit.guard.js';
export { InkitWebhookDto, InkitEventType } from './senders/inkit/inkit.dto.js';
export { createInkitVerifier, type InkitCredentials } from './senders/inkit/inkit.scheme.js';

export { ovcodeSender } from './senders/ovcode/ovcode.sender.js';
export { OvcodeWebhookGuard } from './senders/ovcode/ovcode.guard.js';
export { OvcodeCallbackDto, OvcodeStatusCode } from './senders/ovcode/ovcode.dto.js';
export { createOvcodeVerifier, type OvcodeCredentials } from './senders/ovcode/ovcode.scheme.js';

export { certificallSender } from './senders/certificall/certificall.sender.js';
export { CertificallWebhookGuard } from './senders/certificall/certificall.guard.js';
export {
  ShareCasesWithMetaDatasDto,
  CaseForApiResponseDto,
  BaseItemDto,
  ItemDto,
  StepAction,
} from './senders/certificall/certificall.dto.js';
export {
  createCertificallVerifier,
  type CertificallCredentials,
  type CertificallHmacCredential,
  type CertificallBasicCredential,
} from './senders/certificall/certificall.scheme.js';

export { illowSender } from './senders/illow/illow.sender.js';
export { IllowWebhookGuard } from './senders/illow/illow.guard.js';
export { IllowWebhookDto, IllowDsrCreatedMetadataDto } from './senders/illow/illow.dto.js';
export { createIllowVerifier, type IllowCredentials } from './senders/illow/illow.scheme.js';

export { githubSender } from './senders/github/github.sender.js';
export { GithubWebhookGuard } from './senders/github/github.guard.js';
export {
  GithubWebhookDto,
  GithubUserDto,
  GithubRepositoryDto,
  GithubOrganizationDto,
  GithubInstallationDto,
} from './senders/github/github.dto.js';
export {
  createGithubVerifier,
  GITHUB_HEADER,
  GITHUB_EVENT_HEADER,
  GITHUB_DELIVERY_HEADER,
  type GithubCredentials,
} from './senders/github/github.scheme.js';

export { stripeSender } from './senders/stripe/stripe.sender.js';
export { StripeWebhookGuard } from './senders/stripe/stripe.guard.js';
export { StripeEventDto, StripeEventDataDto, StripeEventRequestDto } from './senders/stripe/stripe.dto.js';
export {
  createStripeVerifier,
  STRIPE_HEADER,
  type StripeCredentials,
} from './senders/stripe/stripe.scheme.js';

export { standardSender } from './senders/standard/standard.sender.js';
export { StandardWebhookGuard } from './senders/standard/standard.guard.js';
export { StandardWebhookDto } from './senders/standard/standard.dto.js';
export {
  createStandardWebhooksVerifier,
  STANDARD_WEBHOOK_ID_HEADER,
  STANDARD_WEBHOOK_TIMESTAMP_HEADER,
  STANDARD_WEBHOOK_SIGNATURE_HEADER,
  type StandardWebhooksCredentials,
} from './senders/standard/standard.scheme.js';

// Any vendor that signs the body with one HMAC in one header (Shopify and many more).
export { defineHmacWebhookSender, type HmacWebhookSenderSpec } from './senders/hmac/hmac.sender.js';
export {
  createHmacVerifier,
  HMAC_ALGORITHMS,
  HMAC_ENCODINGS,
  type HmacSignatureOptions,
  type HmacCredentials,
  type HmacAlgorithm,
  type HmacEncoding,
} from './senders/hmac/hmac.scheme.js';
