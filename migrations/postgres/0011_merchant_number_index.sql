-- Search finds merchants by a merchant number alone, whatever the acquirer
-- (`GET /v1/search?q=` with a merchant number). The unique index on
-- (acquirer, merchant_id) cannot answer that without reading all of it, a
-- million entries at 1,000,000 merchants; this one answers in a few pages.
-- A merchant number is 15 digits, so its entries are a third the size of a
-- whole-token index's.
CREATE INDEX merchants_merchant_id ON merchants (merchant_id);
