CREATE TABLE "github_deliveries" (
	"delivery_id" text PRIMARY KEY NOT NULL,
	"event" text NOT NULL,
	"action" text,
	"repository" text,
	"updated_at" timestamp with time zone NOT NULL,
	"last_delivery_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "standard_messages" (
	"message_id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"last_delivery_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stripe_events" (
	"event_id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"object_id" text,
	"livemode" boolean NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"last_delivery_id" text NOT NULL
);
