import { IsNotEmpty, IsString } from 'class-validator';
import { IsBoundedIdentifier } from '../../dto/identifier.js';

/** The event types Inkit documents. Inkit may add more: see {@link InkitWebhookDto.event_type}. */
export enum InkitEventType {
  DocumentCreateFailed = 'DOCUMENT_CREATE_FAILED',
  DocumentCreateFinished = 'DOCUMENT_CREATE_FINISHED',
  DocumentDeleted = 'DOCUMENT_DELETED',
  DocumentPdfAccess = 'DOCUMENT_PDF_ACCESS',
  DocusignCreateFailed = 'DOCUSIGN_CREATE_FAILED',
  DocusignCreateFinished = 'DOCUSIGN_CREATE_FINISHED',
  FolderCreated = 'FOLDER_CREATED',
  FolderDeleted = 'FOLDER_DELETED',
  MagicLinkAccess = 'MAGIC_LINK_ACCESS',
  MagicLinkAccessFailed = 'MAGIC_LINK_ACCESS_FAILED',
  MagicLinkCreateFailed = 'MAGIC_LINK_CREATE_FAILED',
  MagicLinkCreated = 'MAGIC_LINK_CREATED',
  MailCreateFailed = 'MAIL_CREATE_FAILED',
  MailCreateFinished = 'MAIL_CREATE_FINISHED',
  RenderCreateFailed = 'RENDER_CREATE_FAILED',
  RenderCreateFinished = 'RENDER_CREATE_FINISHED',
  RenderMetadataAccess = 'RENDER_METADATA_ACCESS',
  SalesforceCreateFailed = 'SALESFORCE_CREATE_FAILED',
  SalesforceCreateFinished = 'SALESFORCE_CREATE_FINISHED',
}

/** The body Inkit posts for every event. */
export class InkitWebhookDto {
  // Deliberately not @IsEnum: a type Inkit adds later must still be delivered, not refused.
  // The intersection keeps editor completion for the known types without narrowing the type.
  @IsString()
  @IsNotEmpty()
  event_type!: InkitEventType | (string & Record<never, never>);

  // Part of the idempotency key, and the record key a receiver files the document under.
  @IsString()
  @IsNotEmpty()
  @IsBoundedIdentifier()
  resource_id!: string;
}
