// Signers, for tests and for trying the receiver locally: they produce exactly what each vendor sends.
export {
  signOxskyt,
  signInkit,
  signOvcode,
  signCertificall,
  signIllow,
  generateIllowKeyPair,
  type CertificallSigning,
  type SignedHeaders,
} from '../schemes/index.js';
export { MemoryIdempotencyStore } from '../webhooks.memory-storage.js';
export * from './samples.js';
