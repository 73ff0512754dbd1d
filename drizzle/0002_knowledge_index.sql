-- The knowledge base: one row per heading section of prompts/knowledge/*.md, full-text indexed.
-- drizzle has no FTS5 tables, so this migration is written by hand; the server rebuilds the rows when a file changes.
CREATE VIRTUAL TABLE `knowledge` USING fts5(`file` UNINDEXED, `heading`, `body`, tokenize = 'porter unicode61 remove_diacritics 2');
