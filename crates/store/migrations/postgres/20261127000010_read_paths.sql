-- Read paths of field reports (issue 5): what Open311 and the public map read on every request, kept on the
-- report row and indexed for the filters they use.
--
-- grid_cell: the 0.01° grid cell of the pin (domain::geo::grid_cell computes the same number), so a viewport or
-- radius query lists a few cells on (grid_cell, created_at) instead of a latitude strip across the city; lat, lon and
-- id complete the index so the newest matches are picked from it alone and only the page's rows are read. A
-- generated column: nothing to write, nothing to carry in dumps.
ALTER TABLE reports ADD COLUMN grid_cell BIGINT
    GENERATED ALWAYS AS (floor((lat + 90.0) * 100)::bigint * 100000 + floor((lon + 180.0) * 100)::bigint) STORED;
CREATE INDEX reports_cell_created_idx ON reports(grid_cell, created_at, lat, lon, id);

-- Open311's default list ("open" requests of some services, newest first) finds its page in this index alone (per
-- service and status, by time, with the id that breaks ties) instead of reading every report of the window.
CREATE INDEX reports_service_status_created_idx ON reports(service_code, status, created_at, id);

-- media: the report's own photos ("photo:<sha256>", in the order sent) then a partner's media_url values
-- ("url:<url>", from the submit event), as a JSON array; NULL when there are none. Written with the report
-- (store::reports::MEDIA_REFRESH_POSTGRES, keep in step) so a request is one row, not three queries.
ALTER TABLE reports ADD COLUMN media TEXT;
UPDATE reports SET media = (
    SELECT json_agg(m.u ORDER BY m.g, m.o1, m.o2)::text FROM (
        SELECT 'photo:' || p.sha256 AS u, 0 AS g, extract(epoch FROM p.created_at)::float8 AS o1, p.id::text AS o2
          FROM report_photos p WHERE p.report_id = reports.id AND p.purpose = 'report'
        UNION ALL
        SELECT 'url:' || j.value, 1, j.n::float8, ''
          FROM report_events e
          CROSS JOIN LATERAL jsonb_array_elements_text(
              CASE WHEN jsonb_typeof(e.details::jsonb #> '{open311,media_urls}') = 'array'
                   THEN e.details::jsonb #> '{open311,media_urls}' ELSE '[]'::jsonb END
          ) WITH ORDINALITY AS j(value, n)
         WHERE e.report_id = reports.id AND e.action = 'submit'
    ) m
);

-- The portal's search box (issue 6) ranks only the newest matches (store::portal::SEARCH_CANDIDATES): this index
-- lets a common word's search walk the documents newest first and stop instead of collecting every match.
CREATE INDEX search_documents_published_idx ON search_documents(published_at);
