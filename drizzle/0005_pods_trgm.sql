-- Trigram matching for the fleet pod search (substring search over pod, namespace, owner and image).
-- pg_trgm is a trusted extension: the database owner may create it. PGlite loads it at open.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
