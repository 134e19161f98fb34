-- The operator of a conversation comes from the latest event that names one, apart from the other columns: a bot's
-- close names no operator, and a transfer push that arrived after it (an iAdvize retry) was compared with the close
-- and kept the first push's operator. No backfill: a row without an operator time counts as seen with its own event
-- (seen_at, event_id), which is what its operator came with; so the columns are added without rewriting the table
-- (no lock held on it for longer than the change of its definition).
alter table csat_conversation add column operator_seen_at timestamp with time zone;
alter table csat_conversation add column operator_event_id varchar(255);
