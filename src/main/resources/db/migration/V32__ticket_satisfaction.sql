-- The ticket workflow's record of CSAT answers (satisfaction.answered), by conversation, for its "low satisfaction"
-- condition. A later answer to the same conversation replaces an earlier one.
create table ticket_satisfaction (
    conversation_id       varchar(255)             not null primary key,
    customer_satisfaction integer                  not null,
    answered_at           timestamp with time zone not null,
    event_id              varchar(255)             not null
);
