ALTER TABLE "deliveries" ALTER COLUMN "raw_body" SET DATA TYPE bytea USING convert_to("raw_body", 'UTF8');
