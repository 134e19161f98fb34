-- The dashboard's latest comments of a range: through the (answered_on, question) index every CSAT and NPS answer of
-- the range was read to find its comments (hundreds of thousands of entries for a month of a busy account).
create index ix_csat_answer_question_answered_on on csat_answer (question, answered_on, answered_at);
