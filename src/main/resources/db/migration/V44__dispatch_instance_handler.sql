-- The handlers of each running instance, written every relay.dispatch.heartbeat-interval: an instance without a
-- handler leaves that handler's deliveries alone while an instance that has it was seen recently (a rolling upgrade
-- that adds a workflow). Rows are written by the instance they name only; old ones are deleted by any instance.
create table dispatch_instance_handler (
    instance varchar(100)             not null,
    handler  varchar(100)             not null,
    seen_at  timestamp with time zone not null,
    constraint pk_dispatch_instance_handler primary key (instance, handler)
);
create index ix_dispatch_instance_handler_handler on dispatch_instance_handler (handler, seen_at);
