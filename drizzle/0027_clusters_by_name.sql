-- The pod table's picker draws a scope's first clusters by name: walked in name order the statement stops at the page,
-- where the organization index read every cluster of a large scope (10,000 at once) to sort them.
CREATE INDEX "clusters_name_idx" ON "clusters" USING btree ("name","id");