-- How many tier-4 rows the period has: none means the classification has not summarised it yet.
SELECT count(*) AS rows FROM site_period_summary WHERE period_label = $label
