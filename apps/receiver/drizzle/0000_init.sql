CREATE TABLE "certificall_cases" (
	"cf_ref" text PRIMARY KEY NOT NULL,
	"report_id" text NOT NULL,
	"case_url" text NOT NULL,
	"created_at" text NOT NULL,
	"items" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"last_delivery_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"event" text,
	"status_code" integer NOT NULL,
	"reason" text,
	"idempotency_key" text,
	"duplicate" boolean DEFAULT false NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"duration_ms" double precision NOT NULL,
	"raw_body" text
);
--> statement-breakpoint
CREATE TABLE "illow_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"event" text NOT NULL,
	"status" text,
	"legislation" text,
	"due_date" text,
	"company_id" text NOT NULL,
	"site_id" text NOT NULL,
	"metadata" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"last_delivery_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inkit_documents" (
	"resource_id" text PRIMARY KEY NOT NULL,
	"last_event" text NOT NULL,
	"status" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"last_delivery_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ovcode_authentications" (
	"reference" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"cid" text,
	"token_id" text,
	"hash" text,
	"file" text,
	"timestamp" text,
	"updated_at" timestamp with time zone NOT NULL,
	"last_delivery_id" text NOT NULL,
	CONSTRAINT "ovcode_authentications_status_check" CHECK ("ovcode_authentications"."status" in ('S', 'F'))
);
--> statement-breakpoint
CREATE TABLE "oxskyt_reports" (
	"report_key" text PRIMARY KEY NOT NULL,
	"data" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"last_delivery_id" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "deliveries_received_idx" ON "deliveries" USING btree ("received_at","id");--> statement-breakpoint
CREATE INDEX "deliveries_provider_received_idx" ON "deliveries" USING btree ("provider","received_at","id");--> statement-breakpoint
CREATE INDEX "deliveries_status_received_idx" ON "deliveries" USING btree ("status_code","received_at","id");