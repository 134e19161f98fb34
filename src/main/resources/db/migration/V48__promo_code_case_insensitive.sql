-- Shops compare promo codes without regard to case (Shopify, Magento and WooCommerce do): to them 'spring-1' and
-- 'SPRING-1' are one code, which Relay must not hand out twice. code_key is the code in lower case, unique. Codes
-- are ASCII: translate() lowers them alike on H2 and PostgreSQL, whatever the JVM's or the database's locale (lower()
-- follows it: a Turkish one lowers 'I' to a dotless i).
-- Of codes stored earlier that differ only by case, one keeps the key: an assigned one (it went to a visitor), else
-- the oldest. The others are withheld: their key is '#' and their id, which no code can be (codes have no '#'), and
-- they are not handed out; operations.md tells how to find them. A code an older instance stores during a rolling
-- upgrade has no key (null), and is handed out as before.
-- Every code gets its key, then the twins that do not keep it are found through an index: an IN over a GROUP BY,
-- the obvious way, takes time in the square of the pool's size on H2 (half a minute for 4,000 codes).
alter table promo_code add column code_key varchar(100);
update promo_code set code_key = translate(code, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
create index ix_promo_code_key_twins on promo_code (code_key, id);
update promo_code set code_key = concat('#', id)
    where exists (select 1 from promo_code better where better.code_key = promo_code.code_key
        and ((better.assigned_at is not null and promo_code.assigned_at is null)
          or (case when better.assigned_at is null then 0 else 1 end)
             = (case when promo_code.assigned_at is null then 0 else 1 end) and better.id < promo_code.id));
drop index ix_promo_code_key_twins;
alter table promo_code add constraint uk_promo_code_code_key unique (code_key);
