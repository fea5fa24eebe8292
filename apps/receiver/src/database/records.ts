import {
  certificallCases,
  illowRequests,
  inkitDocuments,
  ovcodeAuthentications,
  oxskytReports,
} from './schema.js';

/** One delivery as answered by the app, accepted or not. */
export interface DeliveryLogEntry {
  id: string;
  provider: string;
  event?: string | null;
  statusCode: number;
  reason?: string | null;
  idempotencyKey?: string | null;
  duplicate: boolean;
  receivedAt: Date;
  durationMs: number;
  /** The exact bytes, for verified deliveries only. */
  rawBody?: Buffer | null;
}

/** What an accepted delivery leaves behind, one shape per sender. */
export type ProviderRecord =
  | { provider: 'inkit'; resourceId: string; eventType: string }
  | {
      provider: 'ovcode';
      reference: string;
      statusCode: 'S' | 'F';
      cid?: string | null;
      // The vendor's sample sends a number; headers bring a string.
      tokenId?: string | number | null;
      hash?: string | null;
      file?: string | null;
      timestamp?: string | null;
    }
  | {
      provider: 'certificall';
      cfRef: string;
      reportId: string;
      caseUrl: string;
      createdAt: string;
      items: unknown[];
    }
  | {
      provider: 'illow';
      id: string;
      event: string;
      companyId: string;
      siteId: string;
      metadata: Record<string, unknown>;
    }
  /** `key`: the body's `id` or `reportId` when present, else the SHA-256 hex of the raw body. */
  | { provider: 'oxskyt'; key: string; data: unknown };

export type Provider = ProviderRecord['provider'];

export const providerTables = {
  inkit: inkitDocuments,
  ovcode: ovcodeAuthentications,
  certificall: certificallCases,
  illow: illowRequests,
  oxskyt: oxskytReports,
} as const satisfies Record<Provider, unknown>;

export type ProviderTable = (typeof providerTables)[Provider];
export type ProviderRow = ProviderTable['$inferSelect'];

type RecordOf<P extends Provider> = Extract<ProviderRecord, { provider: P }>;
// The tracking columns come from the delivery, not from the record.
type RowOf<P extends Provider> = Omit<
  (typeof providerTables)[P]['$inferInsert'],
  'updatedAt' | 'lastDeliveryId'
>;

const INKIT_STATUSES: [suffix: string, status: string][] = [
  ['_FINISHED', 'finished'],
  ['_FAILED', 'failed'],
  ['_DELETED', 'deleted'],
  ['_CREATED', 'created'],
  ['_ACCESS', 'accessed'],
];

/** Inkit sends only an event type; its suffix says where the resource stands. */
export function inkitStatus(eventType: string): string {
  const upper = eventType.toUpperCase();
  return INKIT_STATUSES.find(([suffix]) => upper.endsWith(suffix))?.[1] ?? eventType.toLowerCase();
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export const recordToRow: { [P in Provider]: (record: RecordOf<P>) => RowOf<P> } = {
  inkit: (r) => ({ resourceId: r.resourceId, lastEvent: r.eventType, status: inkitStatus(r.eventType) }),
  ovcode: (r) => ({
    reference: r.reference,
    status: r.statusCode,
    cid: r.cid ?? null,
    tokenId: r.tokenId == null ? null : String(r.tokenId),
    hash: r.hash ?? null,
    file: r.file ?? null,
    timestamp: r.timestamp ?? null,
  }),
  certificall: (r) => ({
    cfRef: r.cfRef,
    reportId: r.reportId,
    caseUrl: r.caseUrl,
    createdAt: r.createdAt,
    items: r.items,
  }),
  illow: (r) => ({
    id: r.id,
    event: r.event,
    status: text(r.metadata.requestStatus),
    legislation: text(r.metadata.legislation),
    dueDate: text(r.metadata.dueDate),
    companyId: r.companyId,
    siteId: r.siteId,
    metadata: r.metadata,
  }),
  oxskyt: (r) => ({ reportKey: r.key, data: r.data }),
};
