-- The merchants' four token columns are indexed on the first 12 hex digits
-- of the token instead of the whole token (`hub/src/store/token_index.rs`
-- says why and how statements use these indexes). A token is 64 hex digits
-- of HMAC, so each entry of a whole-token index is mostly key, and a new
-- merchant dirties a random leaf of each of the four: at 1,000,000
-- merchants they were 80 MB apiece and most of the pages a batch wrote.
-- 48 bits tell a million tokens apart (a pair sharing a prefix is expected
-- about once in 500 stores of that size), and every statement checks the
-- whole token after the prefix, so a shared prefix costs a row read, never
-- a wrong answer.
DROP INDEX merchants_legal_rep_id;
DROP INDEX merchants_legal_rep_phone;
DROP INDEX merchants_contact_phone;
DROP INDEX merchants_account;
CREATE INDEX merchants_legal_rep_id_prefix ON merchants (substr(legal_rep_id_token, 1, 12));
CREATE INDEX merchants_legal_rep_phone_prefix ON merchants (substr(legal_rep_phone_token, 1, 12));
CREATE INDEX merchants_contact_phone_prefix ON merchants (substr(contact_phone_token, 1, 12));
CREATE INDEX merchants_account_prefix ON merchants (substr(account_token, 1, 12));
