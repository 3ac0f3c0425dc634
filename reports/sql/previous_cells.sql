-- Whether the previous period has any monthly verdicts: without them "change" cannot be told.
SELECT count(*) AS cells
FROM site_month_verdicts
WHERE month BETWEEN $prev_first_month AND $prev_last_month AND probe_cc = $country
