-- promo_code_transaction grew forever: its rows now go with their transaction.attributed event when relay.retention
-- purges it, as workflow_reference and outbound_request do. A row whose event is purged already is older than the
-- retention, so past any transaction-wait. The table holds one small row per transaction event: the check of the new
-- constraint is short, though it holds inbox_event's inserts while it runs on PostgreSQL.
delete from promo_code_transaction t where not exists (select 1 from inbox_event e where e.event_id = t.event_id);
alter table promo_code_transaction add constraint fk_promo_code_transaction_event
    foreign key (event_id) references inbox_event (event_id) on delete cascade;
