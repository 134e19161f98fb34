-- The planner asks, for every inbox batch, which ordering keys (conversations) still have unfinished deliveries:
-- without an index led by the key, that is a scan of the whole table.
create index ix_dispatch_delivery_ordering_key on dispatch_delivery (ordering_key, status);
