import { IsInt, IsOptional, IsString } from 'class-validator';
import { readHeader, type HeaderBag } from '../../schemes/index.js';
import { WebhookPayloadException } from '../../webhooks.exception.js';
import { defineHmacWebhookSender } from './hmac.sender.js';

/** What this app reads of an order; Shopify's other fields are kept as sent. */
export class ShopifyOrderDto {
  @IsInt() id!: number;
  @IsOptional() @IsString() admin_graphql_api_id?: string;
}

/** A header Shopify always sends; without it the delivery is answered 400. */
function shopifyHeader(headers: HeaderBag, name: string): string {
  const read = readHeader(headers, name);
  if (read.kind === 'value') return read.value;
  throw new WebhookPayloadException('invalid-payload', `${name} header is missing or repeated`);
}

/** Shopify: base64 HMAC-SHA256 of the raw body under the app's client secret. */
export const shopifySender = defineHmacWebhookSender({
  id: 'shopify',
  title: 'Shopify',
  signature: { header: 'X-Shopify-Hmac-Sha256', algorithm: 'sha256', encoding: 'base64' },
  dto: ShopifyOrderDto,
  // `orders/create` becomes `shopify.orders.create`, so `@OnWebhook('shopify.orders.*')` works.
  eventType: (_order, { headers }) => shopifyHeader(headers, 'X-Shopify-Topic').replaceAll('/', '.'),
  idempotencyKey: (_order, { headers }) => [shopifyHeader(headers, 'X-Shopify-Webhook-Id')],
  sample: {
    payload: { id: 450789469, admin_graphql_api_id: 'gid://shopify/Order/450789469', name: '#1001' },
    headers: {
      'X-Shopify-Topic': 'orders/create',
      'X-Shopify-Webhook-Id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    },
  },
});
