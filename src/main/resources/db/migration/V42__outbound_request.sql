-- The body a workflow sent (or is sending) under each Idempotency-Key, so that every later attempt with the key
-- (a retry, a replay, another delivery finishing an unconfirmed create) sends the very same bytes: a receiver that
-- honours the key compares them, and would refuse, or worse, act twice on, a different body under one key. Only
-- the body: the URL and headers are rendered again each time, since they may carry credentials. Rows go with their
-- event, and a definite rejection (a 4xx) of the first attempt deletes its row, so that a replay after a fix renders
-- afresh.
create table outbound_request (
    idempotency_key varchar(400)             not null primary key,
    event_id        varchar(255)             not null references inbox_event (event_id) on delete cascade,
    body            bytea                    not null,
    -- attempts made under the key: a rejection forgets the body only when it answered the first one (after an
    -- attempt of unknown outcome, the receiver may have acted under the key)
    attempts        integer                  not null,
    created_at      timestamp with time zone not null
);
create index ix_outbound_request_event_id on outbound_request (event_id);

-- lead: the Idempotency-Key of a contact create whose outcome is not known yet (a timeout, a 5xx, a crash after the
-- send): until it is confirmed or refused, every delivery for the visitor sends that create again under that key,
-- never a create of its own, so that the CRM makes one contact. last_key: the key of the last confirmed send, for a
-- replay to send it again under the same key.
alter table lead_visitor add column pending_key varchar(400);
alter table lead_visitor add column last_key varchar(400);
