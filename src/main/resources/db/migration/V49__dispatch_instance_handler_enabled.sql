-- Whether the instance runs the handler it lists (relay.dispatch.handlers.<name>.enabled): one that has it disabled
-- ends its deliveries SKIPPED, so the others neither plan deliveries for it nor replay its deliveries on its
-- account. Instances that write no value (builds before V49) count as running it, as before.
alter table dispatch_instance_handler add column handler_enabled boolean;
