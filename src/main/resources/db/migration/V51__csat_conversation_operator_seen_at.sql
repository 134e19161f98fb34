-- The operator of a conversation comes from the latest event that names one, apart from the other columns: a bot's
-- close names no operator, and a transfer push that arrived after it (an iAdvize retry) was compared with the close
-- and kept the first push's operator. The rows already there got their operator from their own event, or from an
-- older one filling a gap: their seen_at and event_id stand for it (a later event naming an operator replaces it).
alter table csat_conversation add column operator_seen_at timestamp with time zone;
alter table csat_conversation add column operator_event_id varchar(255);

update csat_conversation set operator_seen_at = seen_at, operator_event_id = event_id where operator_id is not null;
