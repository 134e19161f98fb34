-- Shops compare promo codes without regard to case (Shopify, Magento and WooCommerce do): to them 'spring-1' and
-- 'SPRING-1' are one code, which Relay must not hand out twice. code_key is the code in lower case, unique. Codes
-- are ASCII: translate() lowers them alike on H2 and PostgreSQL, whatever the JVM's or the database's locale (lower()
-- follows it: a Turkish one lowers 'I' to a dotless i).
-- A code stored earlier that differs only by case from an older one is withheld: its key is '#' and its id, which no
-- code can be (codes have no '#'), and it is not handed out; operations.md tells how to find such codes. A code an
-- older instance stores during a rolling upgrade has no key (null), and is handed out as before.
-- Every code gets its key, then a later twin has it replaced, found through an index: an IN over a GROUP BY, the
-- obvious way, takes time in the square of the pool's size on H2 (half a minute for 4,000 codes).
alter table promo_code add column code_key varchar(100);
update promo_code set code_key = translate(code, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
create index ix_promo_code_key_twins on promo_code (code_key, id);
update promo_code set code_key = concat('#', id)
    where exists (select 1 from promo_code older where older.code_key = promo_code.code_key and older.id < promo_code.id);
drop index ix_promo_code_key_twins;
alter table promo_code add constraint uk_promo_code_code_key unique (code_key);
