-- csat-dashboard workflow. The figures are computed from these two tables when asked for, so that a replaced,
-- repeated or late answer can never be counted twice.

-- The latest answer to each question of each conversation. iAdvize sends one satisfaction.answered per click: a
-- later click replaces the answer (rows are only overwritten by an answer with a later answered_at, ties broken by
-- event id, so the order of arrival does not matter and a repeated delivery changes nothing).
create table csat_answer (
    conversation_id varchar(255)             not null,
    -- CSAT, NPS or COMMENT
    question        varchar(16)              not null,
    score           integer,
    comment         varchar(4000),
    -- the answer's createdAt (when iAdvize has none: when Relay received it)
    answered_at     timestamp with time zone not null,
    -- answered_at's day in relay.workflows.csat-dashboard.time-zone: the "per day" of the figures
    answered_on     date                     not null,
    event_id        varchar(255)             not null,
    project_id      bigint,
    updated_at      timestamp with time zone not null,
    constraint pk_csat_answer primary key (conversation_id, question)
);
create index ix_csat_answer_answered_on on csat_answer (answered_on, question);
create index ix_csat_answer_updated_at on csat_answer (updated_at);

-- What the v2.conversation.pushed/closed events said about a conversation, to group its answers by channel,
-- operator and project. The event with the latest createdAt wins.
create table csat_conversation (
    conversation_id varchar(255)             not null,
    channel         varchar(64)              not null,
    operator_id     bigint,
    project_id      bigint,
    seen_at         timestamp with time zone not null,
    event_id        varchar(255)             not null,
    updated_at      timestamp with time zone not null,
    constraint pk_csat_conversation primary key (conversation_id)
);
-- The live page polls max(updated_at) of both tables to notice answers recorded by other instances.
create index ix_csat_conversation_updated_at on csat_conversation (updated_at);
