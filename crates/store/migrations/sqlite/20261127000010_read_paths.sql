-- Read paths of field reports (issue 5): what Open311 and the public map read on every request, kept on the
-- report row and indexed for the filters they use.
--
-- grid_cell: the 0.01° grid cell of the pin (domain::geo::grid_cell computes the same number), so a viewport or
-- radius query lists a few cells on (grid_cell, created_at) instead of a latitude strip across the city; lat, lon and
-- id complete the index so the newest matches are picked from it alone and only the page's rows are read. A
-- VIRTUAL generated column: nothing to write, nothing to carry in dumps.
ALTER TABLE reports ADD COLUMN grid_cell INTEGER
    GENERATED ALWAYS AS (CAST((lat + 90.0) * 100 AS INTEGER) * 100000 + CAST((lon + 180.0) * 100 AS INTEGER)) VIRTUAL;
CREATE INDEX reports_cell_created_idx ON reports(grid_cell, created_at, lat, lon, id);

-- Open311's default list ("open" requests of some services, newest first) finds its page in this index alone (per
-- service and status, by time, with the id that breaks ties) instead of reading every report of the window.
CREATE INDEX reports_service_status_created_idx ON reports(service_code, status, created_at, id);

-- media: the report's own photos ("photo:<sha256>", in the order sent) then a partner's media_url values
-- ("url:<url>", from the submit event), as a JSON array; NULL when there are none. Written with the report
-- (store::reports::MEDIA_REFRESH_SQLITE, keep in step) so a request is one row, not three queries.
ALTER TABLE reports ADD COLUMN media TEXT;
UPDATE reports SET media = (
    SELECT CASE WHEN COUNT(*) > 0 THEN json_group_array(m.u) END FROM (
        SELECT 'photo:' || p.sha256 AS u, 0 AS g, p.created_at AS o1, p.id AS o2
          FROM report_photos p WHERE p.report_id = reports.id AND p.purpose = 'report'
        UNION ALL
        SELECT 'url:' || j.value, 1, printf('%08d', j.key), NULL
          FROM report_events e,
               json_each(CASE WHEN json_valid(e.details) THEN e.details ELSE '{}' END, '$.open311.media_urls') j
         WHERE e.report_id = reports.id AND e.action = 'submit'
        ORDER BY 2, 3, 4
    ) m
);

-- The portal's search box (issue 6) matches every word as a prefix ("thu tu" finds "thủ tục"). Without a prefix
-- index FTS5 merges the lists of every word sharing the prefix before it returns a row, which grows with the
-- archive; with one, prefixes of up to six letters (most folded Vietnamese syllables) are read like words, newest
-- first, and a search stops after the documents it ranks (store::portal::SEARCH_CANDIDATES).
DROP TABLE search_fts;
CREATE VIRTUAL TABLE search_fts USING fts5(
    title_folded, body_folded, content='search_documents', content_rowid='id', tokenize='unicode61 remove_diacritics 0',
    prefix='1 2 3 4 5 6'
);
INSERT INTO search_fts(search_fts) VALUES ('rebuild');
