-- Replacement receipts (biên lai thay thế, ND 123/2020 Art. 19 as amended by ND 70/2025): a receipt is replaced
-- at most once — its replacement is the one corrected further — so two officers replacing it at the same time
-- get one replacement, and the public verification finds "replaced by …" with one lookup. (sqlite dialect; keep in
-- step with ../postgres.)
-- Named as SQLite reports the column (receipts.original_id), so a conflict maps to one name on both engines.
CREATE UNIQUE INDEX receipts_original_id_key ON receipts(original_id) WHERE kind = 'replacement';
-- Adjustments and replacements of a receipt, for its page.
CREATE INDEX receipts_original_idx ON receipts(original_id);
