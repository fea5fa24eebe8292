CREATE TABLE "delivery_attempts" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"delivery_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"attempts" integer NOT NULL,
	"state" text NOT NULL,
	"reason" text,
	"at" timestamp with time zone NOT NULL,
	"duration_ms" double precision NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "headers" jsonb;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "tenant" text;--> statement-breakpoint
CREATE INDEX "delivery_attempts_delivery_idx" ON "delivery_attempts" USING btree ("delivery_id","seq");--> statement-breakpoint
CREATE INDEX "delivery_attempts_at_idx" ON "delivery_attempts" USING btree ("at");--> statement-breakpoint
CREATE INDEX "deliveries_sender_state_received_idx" ON "deliveries" USING btree ("sender","state","received_at","id");--> statement-breakpoint
CREATE INDEX "deliveries_replay_of_idx" ON "deliveries" USING btree ("replay_of","received_at","id") WHERE "deliveries"."replay_of" is not null;