-- Incidents resolved before the state column existed: their state is 'resolved', not the default 'open'.
UPDATE "incidents" SET "state" = 'resolved' WHERE "resolved_at" IS NOT NULL;
