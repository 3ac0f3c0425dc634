-- The networks the judgments consult (warehouse/reference/networks.csv), as session variables that
-- classify_judgments.sql reads with getvariable(): CDN networks (an answer in one is another address
-- of the same service) and filtering public resolvers. Constants in the plan: joining a one-row table
-- of them instead made DuckDB run the rules on one thread.
SET VARIABLE imap_cdn_asns = (
    SELECT coalesce(list(asn) FILTER (WHERE kind = 'cdn'), [])::INTEGER[] FROM networks
);
SET VARIABLE imap_filtering_asns = (
    SELECT coalesce(list(asn) FILTER (WHERE kind = 'dns_filtering'), [])::INTEGER[] FROM networks
);
