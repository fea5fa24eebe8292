import {
  defineWebhookSender,
  type WebhookSender,
  type WebhookSenderCli,
  type WebhookSenderSpec,
} from '../../webhooks.sender.js';
import {
  createHmacVerifier,
  hmacSignatureOptions,
  signHmac,
  type HmacCredentials,
  type HmacSignatureOptions,
  type HmacSigning,
} from './hmac.scheme.js';

/**
 * A sender that signs an HMAC of the raw body into one header: everything `defineWebhookSender`
 * takes but the credential plumbing, which `signature` describes instead.
 */
export interface HmacWebhookSenderSpec<
  Id extends string = string,
  Payload extends object = object,
  Type extends string = string,
> extends Omit<
  WebhookSenderSpec<Id, HmacCredentials, Payload, Type, HmacSigning>,
  'credentialHeaders' | 'verifier' | 'sign' | 'cli'
> {
  /** The header, digest and encoding the vendor documents. Checked here, when the sender is defined. */
  readonly signature: HmacSignatureOptions;
  /**
   * How the CLI signs as this sender. Default: `--secret`, read from `<ID>_WEBHOOK_SECRET` when not
   * given (`SHOPIFY_WEBHOOK_SECRET` for the id `shopify`).
   */
  readonly cli?: WebhookSenderCli<HmacSigning>;
}

/**
 * Defines a sender whose deliveries carry `<prefix><digest>` of the raw body in one header, the
 * digest an HMAC under a shared secret (Shopify, and many others): configured with
 * `sender.configure({ secret })`, or a list of secrets while one is rotated out.
 */
export function defineHmacWebhookSender<
  Id extends string,
  Payload extends object,
  Type extends string = string,
>(
  spec: HmacWebhookSenderSpec<Id, Payload, Type>,
): WebhookSender<Id, HmacCredentials, Payload, Type, HmacSigning> {
  const signature = hmacSignatureOptions(
    `defineWebhookSender(${JSON.stringify(spec?.id)}).signature`,
    spec?.signature,
  );
  // Not handed on: the definition stays the plain shape every sender has.
  const { signature: _signature, cli, ...rest } = spec;
  return defineWebhookSender<Id, HmacCredentials, Payload, Type, HmacSigning>({
    ...rest,
    credentialHeaders: [signature.header],
    verifier: (credentials, optionPath) => createHmacVerifier(credentials, optionPath, signature),
    sign: (body, signing) => signHmac(body, signing, signature),
    cli: cli ?? defaultCli(String(spec.id)),
  });
}

function defaultCli(id: string): WebhookSenderCli<HmacSigning> {
  return {
    credentials: {
      secret: {
        env: `${id.toUpperCase().replaceAll('-', '_')}_WEBHOOK_SECRET`,
        arg: '<secret>',
        help: 'the shared secret the HMAC is keyed with',
      },
    },
    signing: (input) => ({ secret: input.need('secret') }),
  };
}
