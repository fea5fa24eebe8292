/**
 * Compile-time tests of `@OnWebhook` and `@OnWebhookOutcome`. `npx tsc -p tsconfig.json` checks
 * this file, and each `@ts-expect-error` below must meet a real error (tsc reports an unused one).
 * `on-webhook.types.spec.ts` compiles it alone, then again with the directives removed, and
 * asserts errors on exactly the lines after them: "the name" or "the call" means the decorator's
 * arguments are refused, "the handler" that they are accepted and the method is not.
 */
import {
  ACCEPTED,
  OnWebhook,
  OnWebhookOutcome,
  defineWebhookSender,
  type IllowWebhookDto,
  type InkitWebhookDto,
  type OvcodeCallbackDto,
  type ShareCasesWithMetaDatasDto,
  type WebhookDeliveryOutcome,
  type WebhookEvent,
  type WebhookEventFor,
  type WebhookEventName,
  type WebhookPayloadFor,
} from 'nestjs-webhooks';

/** True when A and B are the same type (not merely assignable either way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(): T => true as T;

// ---------------------------------------------------------------------------------------------
// A user's own sender, typed from its definition once added to the registry. Its id is not the
// one `test/custom-sender.e2e.spec.ts` registers: both files are in one program under tsconfig.json.

class GlobexEventDto {
  id!: string;
  kind!: string;
  amount?: number;
}

export const globexSender = defineWebhookSender({
  id: 'globex',
  credentialHeaders: ['X-Globex-Token'],
  verifier: (_credentials: { token: string }) => () => ACCEPTED,
  sign: (_body, { token }: { token: string }) => ({ 'X-Globex-Token': token }),
  dto: GlobexEventDto,
  eventTypes: ['INVOICE_SENT', 'INVOICE_PAID'],
  eventType: (payload) => payload.kind,
  idempotencyKey: (payload) => [payload.id],
  sample: { payload: { id: 'ev_1', kind: 'INVOICE_PAID' } },
});

declare module 'nestjs-webhooks' {
  interface WebhookSenderRegistry {
    globex: typeof globexSender;
  }
}

// ---------------------------------------------------------------------------------------------
// The types the decorator is built from.

expectType<Equal<WebhookEventFor<'inkit.DOCUMENT_CREATE_FINISHED'>, WebhookEvent<InkitWebhookDto>>>();
expectType<Equal<WebhookPayloadFor<'inkit.*'>, InkitWebhookDto>>();
expectType<Equal<WebhookPayloadFor<'illow.ANY_TYPE_AT_ALL'>, IllowWebhookDto>>();
expectType<Equal<WebhookPayloadFor<'globex.INVOICE_PAID'>, GlobexEventDto>>();
expectType<
  Equal<Extract<WebhookEventName, `ovcode.${string}`>, `ovcode.AUTHENTICATION_${'SUCCEEDED' | 'FAILED'}`>
>();
expectType<
  Equal<Extract<WebhookEventName, `globex.${string}`>, 'globex.INVOICE_SENT' | 'globex.INVOICE_PAID'>
>();
// A pattern across senders may deliver any sender's payload, so its handler must take them all.
expectType<Equal<WebhookPayloadFor<'**'>, WebhookPayloadFor<'*.CASE_VALIDATED'>>>();
expectType<WebhookPayloadFor<'**'> extends InkitWebhookDto ? false : true>();

// ---------------------------------------------------------------------------------------------
// Names of built-in senders.

export class BuiltInHandlers {
  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  byDto(event: WebhookEvent<InkitWebhookDto>): string {
    return event.payload.resource_id;
  }

  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  byName(event: WebhookEventFor<'inkit.DOCUMENT_CREATE_FINISHED'>): string {
    return event.payload.event_type;
  }

  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  @OnWebhook('inkit.DOCUMENT_DELETED', { prependListener: true })
  async stacked(_event: WebhookEvent<InkitWebhookDto>): Promise<void> {}

  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  anyPayload(_event: WebhookEvent): void {}

  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  noParameter(): void {}

  // @ts-expect-error the name: misspelt sender
  @OnWebhook('inkitt.DOCUMENT_CREATE_FINISHED')
  misspeltSender(_event: WebhookEvent<InkitWebhookDto>): void {}

  // @ts-expect-error the name: misspelt type, not in Inkit's documented list
  @OnWebhook('inkit.DOCUMENT_CREATE_FINSHED')
  misspeltType(_event: WebhookEvent<InkitWebhookDto>): void {}

  // @ts-expect-error the handler: illow's payload on an Inkit name
  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  wrongPayload(_event: WebhookEvent<IllowWebhookDto>): void {}

  // @ts-expect-error the handler: a handler that needs more than the event
  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  twoParameters(_event: WebhookEvent<InkitWebhookDto>, _extra: string): void {}

  // @ts-expect-error the handler: the right name on a property, not a method
  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  arrow = (_event: WebhookEvent<InkitWebhookDto>): void => {};

  @OnWebhook('ovcode.AUTHENTICATION_FAILED')
  ovcode(event: WebhookEvent<OvcodeCallbackDto>): string {
    return event.payload.reference;
  }

  // @ts-expect-error the name: OVCODE documents two types, and this is not one
  @OnWebhook('ovcode.AUTHENTICATION_REFUSED')
  ovcodeUnknown(_event: WebhookEvent<OvcodeCallbackDto>): void {}
}

// ---------------------------------------------------------------------------------------------
// Wildcards.

export class WildcardHandlers {
  @OnWebhook('inkit.*')
  allOfInkit(event: WebhookEvent<InkitWebhookDto>): string {
    return event.payload.event_type;
  }

  @OnWebhook('**')
  everything(event: WebhookEvent): string {
    return event.name;
  }

  @OnWebhook('**')
  everythingByName(_event: WebhookEventFor<'**'>): void {}

  @OnWebhook('*.CASE_VALIDATED')
  oneTypeOfEverySender(event: WebhookEventFor<'*.CASE_VALIDATED'>): string {
    return event.sender;
  }

  @OnWebhook('*.CASE_VALIDATED')
  oneTypeAnyPayload(_event: WebhookEvent<unknown>): void {}

  @OnWebhook('certificall.CASE_VALIDATED')
  certificall(_event: WebhookEvent<ShareCasesWithMetaDatasDto>): void {}

  // @ts-expect-error the handler: `**` delivers every sender's payload, not only Inkit's
  @OnWebhook('**')
  everythingAsInkit(_event: WebhookEvent<InkitWebhookDto>): void {}

  // @ts-expect-error the handler: any sender may send a type of this name, not only Certificall
  @OnWebhook('*.CASE_VALIDATED')
  oneTypeAsCertificall(_event: WebhookEvent<ShareCasesWithMetaDatasDto>): void {}

  // @ts-expect-error the handler: all of Inkit's events are not illow's
  @OnWebhook('inkit.*')
  allOfInkitAsIllow(_event: WebhookEvent<IllowWebhookDto>): void {}

  // @ts-expect-error the name: a wildcard of a sender that does not exist
  @OnWebhook('inkitt.*')
  allOfNobody(_event: WebhookEvent): void {}
}

// ---------------------------------------------------------------------------------------------
// illow documents no list of types (its event is the callback URL's last segment): any type.

export class IllowHandlers {
  @OnWebhook('illow.DSR_CREATED')
  documented(event: WebhookEvent<IllowWebhookDto>): string {
    return event.payload.companyId;
  }

  @OnWebhook('illow.CONSENT_SOMETHING_NEW')
  anyType(_event: WebhookEventFor<'illow.CONSENT_SOMETHING_NEW'>): void {}

  // @ts-expect-error the handler: any type, but still illow's payload
  @OnWebhook('illow.DSR_CREATED')
  wrongPayload(_event: WebhookEvent<InkitWebhookDto>): void {}
}

// ---------------------------------------------------------------------------------------------
// The escape hatch for a type a vendor added after this version: only the sender is checked.

export class UnlistedHandlers {
  @OnWebhook('inkit.NEW_TYPE', { unlisted: true })
  newInkitType(event: WebhookEvent<InkitWebhookDto>): string {
    return event.payload.resource_id;
  }

  @OnWebhook('inkit.NEW_TYPE', { unlisted: true, prependListener: true })
  newInkitTypeByName(_event: WebhookEventFor<'inkit.NEW_TYPE'>): void {}

  @OnWebhook('globex.INVOICE_VOIDED', { unlisted: true })
  newGlobexType(_event: WebhookEvent<GlobexEventDto>): void {}

  // @ts-expect-error the name: unlisted, yet the sender is checked
  @OnWebhook('inkitt.NEW_TYPE', { unlisted: true })
  misspeltSender(_event: WebhookEvent<InkitWebhookDto>): void {}

  // @ts-expect-error the handler: unlisted, yet the payload is checked
  @OnWebhook('inkit.NEW_TYPE', { unlisted: true })
  wrongPayload(_event: WebhookEvent<IllowWebhookDto>): void {}

  // @ts-expect-error the call: `unlisted: false` is not the escape hatch
  @OnWebhook('inkit.NEW_TYPE', { unlisted: false })
  notUnlisted(_event: WebhookEvent<InkitWebhookDto>): void {}
}

// ---------------------------------------------------------------------------------------------
// A sender of the user's own, added to the registry above, is typed as the built-ins are.

export class CustomSenderHandlers {
  @OnWebhook('globex.INVOICE_PAID')
  paid(event: WebhookEvent<GlobexEventDto>): number | undefined {
    return event.payload.amount;
  }

  @OnWebhook('globex.INVOICE_SENT')
  sent(event: WebhookEventFor<'globex.INVOICE_SENT'>): string {
    return event.payload.kind;
  }

  @OnWebhook('globex.*')
  all(_event: WebhookEvent<GlobexEventDto>): void {}

  // @ts-expect-error the name: misspelt type, not in the definition's eventTypes
  @OnWebhook('globex.INVOICE_PAYED')
  misspeltType(_event: WebhookEvent<GlobexEventDto>): void {}

  // @ts-expect-error the name: misspelt sender
  @OnWebhook('globx.INVOICE_PAID')
  misspeltSender(_event: WebhookEvent<GlobexEventDto>): void {}

  // @ts-expect-error the handler: Inkit's payload on a Globex name
  @OnWebhook('globex.INVOICE_PAID')
  wrongPayload(_event: WebhookEvent<InkitWebhookDto>): void {}

  // @ts-expect-error the handler: all of Globex's events are not Inkit's
  @OnWebhook('globex.*')
  allWrongPayload(_event: WebhookEventFor<'inkit.*'>): void {}
}

// ---------------------------------------------------------------------------------------------
// Outcomes.

export class OutcomeHandlers {
  @OnWebhookOutcome('accepted')
  @OnWebhookOutcome('duplicate')
  @OnWebhookOutcome('rejected')
  @OnWebhookOutcome('failed')
  audit(outcome: WebhookDeliveryOutcome): string {
    return `${outcome.sender} ${outcome.outcome} ${outcome.status}`;
  }

  @OnWebhookOutcome('failed')
  async alert(_outcome: WebhookDeliveryOutcome): Promise<void> {}

  // @ts-expect-error the handler: an outcome handler receives an outcome, not an event
  @OnWebhookOutcome('accepted')
  asEvent(_event: WebhookEvent): void {}

  // @ts-expect-error the name: not an outcome
  @OnWebhookOutcome('exploded')
  unknownOutcome(_outcome: WebhookDeliveryOutcome): void {}

  // @ts-expect-error the handler: an event handler is not an outcome handler
  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  eventOnOutcome(_outcome: WebhookDeliveryOutcome): void {}
}
