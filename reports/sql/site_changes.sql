-- Websites blocked in this period or in the previous one, with the tier-4 change between them.
SELECT domain, change, previous_verdict, verdict, measurements
FROM site_period_summary
WHERE period_label = $label AND change <> 'not_blocked'
ORDER BY change, domain
