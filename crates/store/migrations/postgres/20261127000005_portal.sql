-- The multi-level e-information portal (cổng thông tin điện tử): one site per unit, articles of every kind with
-- their revisions and editorial state, Q&A, warnings (cảnh báo) and their ward subscriptions, and the one search
-- index (PostgreSQL dialect; keep in step with ../sqlite).

CREATE TABLE portal_sites (
    unit_code           TEXT PRIMARY KEY REFERENCES units(code),
    slug                TEXT NOT NULL,
    -- JSON list of {"label_vi", "label_en", "href"}.
    menu                TEXT NOT NULL,
    banner_vi           TEXT NOT NULL,
    banner_en           TEXT NOT NULL,
    -- JSON object: address, phone, email, intro_vi, intro_en.
    settings            TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX portal_sites_slug_key ON portal_sites(slug);

CREATE TABLE portal_articles (
    id                  UUID PRIMARY KEY,
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
    publish_at          TIMESTAMPTZ,
    return_comment      TEXT,
    doc_number          TEXT,
    doc_issued_on       DATE,
    doc_issuer          TEXT,
    doc_field           TEXT,
    doc_effective_from  DATE,
    doc_expires_on      DATE,
    attachment_sha256   TEXT REFERENCES blobs(sha256),
    image_sha256        TEXT REFERENCES blobs(sha256),
    event_starts_at     TIMESTAMPTZ,
    event_place         TEXT,
    lat                 DOUBLE PRECISION,
    lon                 DOUBLE PRECISION,
    opening_hours_vi    TEXT,
    opening_hours_en    TEXT,
    -- A city article shown on every ward site (one source).
    syndicated          BOOLEAN NOT NULL,
    -- A ward article proposed to the city portal: '' (not), 'proposed', 'accepted'.
    proposal            TEXT NOT NULL,
    author_id           UUID REFERENCES accounts(id),
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_articles_unit_idx ON portal_articles(unit_code, status, publish_at);
CREATE INDEX portal_articles_public_idx ON portal_articles(status, publish_at);
-- Site lists filter by kind and read the newest first: walking these backwards stops after the page is full.
CREATE INDEX portal_articles_kind_publish_idx ON portal_articles(kind, publish_at);
CREATE INDEX portal_articles_publish_idx ON portal_articles(publish_at);

CREATE TABLE portal_revisions (
    id                  UUID PRIMARY KEY,
    article_id          UUID NOT NULL REFERENCES portal_articles(id),
    number              BIGINT NOT NULL,
    author_id           UUID REFERENCES accounts(id),
    saved_at            TIMESTAMPTZ NOT NULL,
    title               TEXT NOT NULL,
    body                TEXT NOT NULL
);
CREATE UNIQUE INDEX portal_revisions_article_id_number_key ON portal_revisions(article_id, number);

CREATE TABLE portal_questions (
    id                  UUID PRIMARY KEY,
    unit_code           TEXT NOT NULL REFERENCES units(code),
    asker_id            UUID NOT NULL REFERENCES accounts(id),
    asker_initials      TEXT NOT NULL,
    title               TEXT NOT NULL,
    body                TEXT NOT NULL,
    asked_at            TIMESTAMPTZ NOT NULL,
    due_at              TIMESTAMPTZ NOT NULL,
    answer              TEXT,
    answered_at         TIMESTAMPTZ,
    answered_by         UUID REFERENCES accounts(id)
);
CREATE INDEX portal_questions_unit_idx ON portal_questions(unit_code, asked_at);

CREATE TABLE portal_warnings (
    id                  UUID PRIMARY KEY,
    kind                TEXT NOT NULL,
    severity            TEXT NOT NULL,
    -- JSON list of ward codes; empty list = the whole city.
    area_wards          TEXT NOT NULL,
    starts_at           TIMESTAMPTZ NOT NULL,
    ends_at             TIMESTAMPTZ NOT NULL,
    headline_vi         TEXT NOT NULL,
    headline_en         TEXT NOT NULL,
    description_vi      TEXT NOT NULL,
    description_en      TEXT NOT NULL,
    cancelled_at        TIMESTAMPTZ,
    created_by          UUID REFERENCES accounts(id),
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_warnings_ends_idx ON portal_warnings(ends_at);

CREATE TABLE portal_warning_subscriptions (
    account_id          UUID NOT NULL REFERENCES accounts(id),
    ward_code           TEXT NOT NULL REFERENCES units(code),
    created_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, ward_code)
);

-- The one search box: every public item as folded text (NFC, marks stripped, đ → d; domain::text), written in the
-- same transaction as the content it comes from.
CREATE TABLE search_documents (
    doc_key             TEXT PRIMARY KEY,
    kind                TEXT NOT NULL,
    unit_code           TEXT,
    title_vi            TEXT NOT NULL,
    title_en            TEXT NOT NULL,
    -- Plain text the snippet is cut from.
    excerpt             TEXT NOT NULL,
    url                 TEXT NOT NULL,
    title_folded        TEXT NOT NULL,
    body_folded         TEXT NOT NULL,
    published_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX search_documents_kind_idx ON search_documents(kind, unit_code);

-- tsvector over the folded text ('simple': no stemming, the folding is done in Rust), title weighted above body.
ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', title_folded), 'A') || setweight(to_tsvector('simple', body_folded), 'B')
) STORED;
CREATE INDEX search_documents_tsv_idx ON search_documents USING GIN (tsv);
