-- The promo-code workflow looks up the code of a conversation first (an earlier attempt's), on every delivery.
create index ix_promo_code_conversation on promo_code (campaign, conversation_id);
