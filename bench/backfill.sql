-- Run by bench/generate.ts after the generated rows are loaded, before VACUUM ANALYZE.
--
-- The generator writes the base tables directly (orders, interactions, ...), not through omni360's
-- services. A read model that the services keep current in the same transaction as their writes
-- (e.g. a customer_stats table behind Customer.stats) is therefore empty after the load: rebuild it
-- here from the base tables, with the same SQL a migration or a rebuild command would use.
--
-- This file is part of the dataset key: editing it regenerates the dataset on the next run.
-- Comment-only content is skipped.

-- The analytics rollups (migration analyticsRollups): their triggers do not fire under
-- session_replication_role = replica, so they are recomputed from the loaded rows.
select analytics_rebuild();
