-- The lead workflow's memory: one row per visitor it sent (or is sending) to the CRM. The key is a SHA-256 of the
-- visitor's normalised email address (or phone number when there is no email), so that the two event types that
-- name a visitor differently (visitor.updated, v2.conversation.closed) meet on one row, and no address is stored.
create table lead_visitor (
    visitor_key    varchar(80)              not null primary key,
    -- the CRM's id of the contact, when the create answer had one (relay.workflows.lead.id-pointer)
    external_id    varchar(1000),
    first_sent_at  timestamp with time zone,
    last_sent_at   timestamp with time zone,
    last_event_id  varchar(255),
    last_action    varchar(16),
    sends          integer                  not null,
    -- the idempotency key of the delivery sending for this visitor right now, and until when it may
    claimed_by     varchar(400),
    claimed_until  timestamp with time zone
);
