-- One row per domain of the effective test list, for labelling measurements (which carry `domain`)
-- without fanning out when a site has several URLs on the lists. The label comes from the entry of
-- the highest-precedence list (local > kh > global), then the shortest URL (the site's root first);
-- `lists` and `category_codes` keep everything the domain's entries say.
SELECT domain,
       arg_min(category_code, (CASE list WHEN 'local' THEN 0 WHEN 'kh' THEN 1 ELSE 2 END, length(url), url))
           AS category_code,
       arg_min(category_description, (CASE list WHEN 'local' THEN 0 WHEN 'kh' THEN 1 ELSE 2 END, length(url), url))
           AS category_description,
       arg_min(list, (CASE list WHEN 'local' THEN 0 WHEN 'kh' THEN 1 ELSE 2 END, length(url), url)) AS list,
       list_sort(list_distinct(flatten(list(lists))))                                 AS lists,
       list_sort(list_distinct(list(category_code)))                                  AS category_codes,
       count(*)                                                                        AS urls
FROM test_list
GROUP BY domain
ORDER BY domain
