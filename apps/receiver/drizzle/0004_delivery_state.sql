ALTER TABLE "deliveries" ADD COLUMN "state" text;--> statement-breakpoint
UPDATE "deliveries" SET "state" = CASE
	WHEN "duplicate" THEN 'duplicate'
	WHEN "status_code" = 200 THEN 'processed'
	WHEN "reason" IN ('handler-error', 'store-unavailable') THEN 'failed'
	ELSE 'rejected'
END;--> statement-breakpoint
ALTER TABLE "deliveries" ALTER COLUMN "state" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "replay_of" text;--> statement-breakpoint
CREATE INDEX "deliveries_state_received_idx" ON "deliveries" USING btree ("state","received_at","id");
