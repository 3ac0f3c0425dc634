-- Domains that OONI's control (the test helper: the site seen from outside Cambodia) could not reach
-- in any measurement since $since, with at least $min_measurements measurements where the control
-- answered. A hint that the site may be gone, never a reason to remove it: upstream keeps dead
-- domains on country lists on purpose, as a domain can stay blocked after its site is gone.
SELECT domain,
       count(*)                                                                    AS measurements,
       max(measurement_day)                                                        AS last_measured,
       arg_max(coalesce(control_dns_failure, control_http_failure), measurement_day) AS last_failure
FROM measurements
WHERE measurement_day >= $since
  AND control_failure IS NULL
GROUP BY domain
HAVING count(*) >= $min_measurements
   AND count(*) FILTER (WHERE control_dns_failure IS NOT NULL OR control_http_failure IS NOT NULL) = count(*)
ORDER BY domain
