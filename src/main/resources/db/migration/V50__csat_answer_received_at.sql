-- When Relay received the answer: breaks a tie between two answers of one conversation with the same createdAt
-- (iAdvize gives it to the second, and a visitor can click CSAT 2 then 5 within one), where the greater event id, a
-- random UUID, decided half of the time against the later click. Filled in from the inbox for the rows already
-- there; a row whose event was purged keeps none and counts as received at its answer's time.
alter table csat_answer add column received_at timestamp with time zone;

update csat_answer set received_at = (select e.received_at from inbox_event e where e.event_id = csat_answer.event_id);
