-- Shops compare promo codes without regard to case (Shopify, Magento and WooCommerce do): to them 'spring-1' and
-- 'SPRING-1' are one code, which Relay must not hand out twice. code_key is the code in lower case (codes are ASCII),
-- and unique. A code stored earlier that differs only by case from an older one keeps no key: it exists already,
-- and operations.md tells how to find such codes (code_key is null).
alter table promo_code add column code_key varchar(100);
update promo_code set code_key = lower(code) where id in (select min(id) from promo_code group by lower(code));
alter table promo_code add constraint uk_promo_code_code_key unique (code_key);
