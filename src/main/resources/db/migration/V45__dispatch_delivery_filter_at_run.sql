-- A delivery planned by an instance that does not have its handler (a rolling upgrade adding a workflow: an
-- instance not yet upgraded stores an event while an upgraded one runs): the handler's filter (its event type and
-- accepts) is applied when the delivery runs, by an instance that has it. Null on every other delivery.
alter table dispatch_delivery add column filter_at_run boolean;
