-- Whether the instance applies a delivery's filter_at_run (V45) before it runs the handler. Instances that write
-- no value (the builds with V44 or V45 only) run such a delivery unfiltered: no instance plans one for them.
alter table dispatch_instance_handler add column applies_filter_at_run boolean;
