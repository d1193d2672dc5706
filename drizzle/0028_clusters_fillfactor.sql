-- Every heartbeat updates its cluster's row. An update is HOT (no index written) only when the new row version fits
-- in the same page; with full pages and the pod index job's long statements holding old versions back, 28 % of the
-- beats' updates at 10,000 clusters wrote all of the table's indexes. Pages filled to half leave the room. The table
-- is one row per cluster, so the doubled size is small. Pages written before this keep their fill until their rows
-- move (VACUUM FULL clusters rewrites them all at once, holding the table's lock while it runs).
ALTER TABLE "clusters" SET (fillfactor = 50);
