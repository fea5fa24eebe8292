ALTER TABLE "deliveries" RENAME COLUMN "provider" TO "sender";--> statement-breakpoint
ALTER INDEX "deliveries_provider_received_idx" RENAME TO "deliveries_sender_received_idx";