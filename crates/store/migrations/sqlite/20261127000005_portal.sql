-- The multi-level e-information portal (cổng thông tin điện tử): one site per unit, articles of every kind with
-- their revisions and editorial state, Q&A, warnings (cảnh báo) and their ward subscriptions, and the one search
-- index (SQLite dialect; keep in step with ../postgres).

CREATE TABLE portal_sites (
    unit_code           TEXT PRIMARY KEY REFERENCES units(code),
    slug                TEXT NOT NULL,
    -- JSON list of {"label_vi", "label_en", "href"}.
    menu                TEXT NOT NULL,
    banner_vi           TEXT NOT NULL,
    banner_en           TEXT NOT NULL,
    -- JSON object: address, phone, email, intro_vi, intro_en.
    settings            TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE UNIQUE INDEX portal_sites_slug_key ON portal_sites(slug);

CREATE TABLE portal_articles (
    id                  BLOB PRIMARY KEY,
    unit_code           TEXT NOT NULL REFERENCES units(code),
    kind                TEXT NOT NULL,
    -- Fixed pages (organisation, leaders, contacts) are found by key; empty for other articles.
    page_key            TEXT NOT NULL,
    title_vi            TEXT NOT NULL,
    title_en            TEXT NOT NULL,
    summary_vi          TEXT NOT NULL,
    summary_en          TEXT NOT NULL,
    -- Sanitised HTML (protocols::html).
    body_vi             TEXT NOT NULL,
    body_en             TEXT NOT NULL,
    status              TEXT NOT NULL,
    publish_at          TEXT,
    return_comment      TEXT,
    doc_number          TEXT,
    doc_issued_on       TEXT,
    doc_issuer          TEXT,
    doc_field           TEXT,
    doc_effective_from  TEXT,
    doc_expires_on      TEXT,
    attachment_sha256   TEXT REFERENCES blobs(sha256),
    image_sha256        TEXT REFERENCES blobs(sha256),
    event_starts_at     TEXT,
    event_place         TEXT,
    lat                 REAL,
    lon                 REAL,
    opening_hours_vi    TEXT,
    opening_hours_en    TEXT,
    -- A city article shown on every ward site (one source).
    syndicated          BOOLEAN NOT NULL,
    -- A ward article proposed to the city portal: '' (not), 'proposed', 'accepted'.
    proposal            TEXT NOT NULL,
    author_id           BLOB REFERENCES accounts(id),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX portal_articles_unit_idx ON portal_articles(unit_code, status, publish_at);
CREATE INDEX portal_articles_public_idx ON portal_articles(status, publish_at);
-- Site lists filter by kind and read the newest first: walking these backwards stops after the page is full.
CREATE INDEX portal_articles_kind_publish_idx ON portal_articles(kind, publish_at);
CREATE INDEX portal_articles_publish_idx ON portal_articles(publish_at);

CREATE TABLE portal_revisions (
    id                  BLOB PRIMARY KEY,
    article_id          BLOB NOT NULL REFERENCES portal_articles(id),
    number              INTEGER NOT NULL,
    author_id           BLOB REFERENCES accounts(id),
    saved_at            TEXT NOT NULL,
    title               TEXT NOT NULL,
    body                TEXT NOT NULL
);
CREATE UNIQUE INDEX portal_revisions_article_id_number_key ON portal_revisions(article_id, number);

CREATE TABLE portal_questions (
    id                  BLOB PRIMARY KEY,
    unit_code           TEXT NOT NULL REFERENCES units(code),
    asker_id            BLOB NOT NULL REFERENCES accounts(id),
    asker_initials      TEXT NOT NULL,
    title               TEXT NOT NULL,
    body                TEXT NOT NULL,
    asked_at            TEXT NOT NULL,
    due_at              TEXT NOT NULL,
    answer              TEXT,
    answered_at         TEXT,
    answered_by         BLOB REFERENCES accounts(id)
);
CREATE INDEX portal_questions_unit_idx ON portal_questions(unit_code, asked_at);

CREATE TABLE portal_warnings (
    id                  BLOB PRIMARY KEY,
    kind                TEXT NOT NULL,
    severity            TEXT NOT NULL,
    -- JSON list of ward codes; empty list = the whole city.
    area_wards          TEXT NOT NULL,
    starts_at           TEXT NOT NULL,
    ends_at             TEXT NOT NULL,
    headline_vi         TEXT NOT NULL,
    headline_en         TEXT NOT NULL,
    description_vi      TEXT NOT NULL,
    description_en      TEXT NOT NULL,
    cancelled_at        TEXT,
    created_by          BLOB REFERENCES accounts(id),
    created_at          TEXT NOT NULL
);
CREATE INDEX portal_warnings_ends_idx ON portal_warnings(ends_at);

CREATE TABLE portal_warning_subscriptions (
    account_id          BLOB NOT NULL REFERENCES accounts(id),
    ward_code           TEXT NOT NULL REFERENCES units(code),
    created_at          TEXT NOT NULL,
    PRIMARY KEY (account_id, ward_code)
);

-- The one search box: every public item as folded text (NFC, marks stripped, đ → d; domain::text), written in the
-- same transaction as the content it comes from. `id` is the rowid the FTS5 index points at.
CREATE TABLE search_documents (
    id                  INTEGER PRIMARY KEY,
    doc_key             TEXT NOT NULL,
    kind                TEXT NOT NULL,
    unit_code           TEXT,
    title_vi            TEXT NOT NULL,
    title_en            TEXT NOT NULL,
    -- Plain text the snippet is cut from.
    excerpt             TEXT NOT NULL,
    url                 TEXT NOT NULL,
    title_folded        TEXT NOT NULL,
    body_folded         TEXT NOT NULL,
    published_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX search_documents_doc_key_key ON search_documents(doc_key);
CREATE INDEX search_documents_kind_idx ON search_documents(kind, unit_code);

-- External-content FTS5 table over the folded columns; the triggers keep it in step inside the writer's
-- transaction. The text is folded already, so the tokenizer must not fold again.
CREATE VIRTUAL TABLE search_fts USING fts5(
    title_folded, body_folded, content='search_documents', content_rowid='id', tokenize='unicode61 remove_diacritics 0'
);
CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_fts(rowid, title_folded, body_folded) VALUES (new.id, new.title_folded, new.body_folded);
END;
CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_fts(search_fts, rowid, title_folded, body_folded)
        VALUES ('delete', old.id, old.title_folded, old.body_folded);
END;
CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
    INSERT INTO search_fts(search_fts, rowid, title_folded, body_folded)
        VALUES ('delete', old.id, old.title_folded, old.body_folded);
    INSERT INTO search_fts(rowid, title_folded, body_folded) VALUES (new.id, new.title_folded, new.body_folded);
END;
