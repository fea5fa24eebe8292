// Signers, for tests and for trying the receiver locally: they produce exactly what each vendor sends.
export { signOxskyt } from '../senders/oxskyt/oxskyt.scheme.js';
export { signInkit } from '../senders/inkit/inkit.scheme.js';
export { signOvcode } from '../senders/ovcode/ovcode.scheme.js';
export { signCertificall, type CertificallSigning } from '../senders/certificall/certificall.scheme.js';
export { signIllow, generateIllowKeyPair } from '../senders/illow/illow.scheme.js';
export { signGithub, type GithubSigning } from '../senders/github/github.scheme.js';
export { signStripe, type StripeSigning } from '../senders/stripe/stripe.scheme.js';
export {
  signStandardWebhook,
  generateStandardWebhookKeyPair,
  type StandardWebhooksSigning,
} from '../senders/standard/standard.scheme.js';
export { signHmac, type HmacSigning } from '../senders/hmac/hmac.scheme.js';
export type { SignedHeaders } from '../schemes/index.js';
export { MemoryIdempotencyStore } from '../webhooks.memory-storage.js';
export * from './samples.js';
