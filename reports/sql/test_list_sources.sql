-- Versions of the test lists the verdicts were matched against.
SELECT list, coalesce(upstream_ref, '') AS upstream_ref, count(*) AS entries
FROM test_list
GROUP BY ALL
ORDER BY list, upstream_ref
