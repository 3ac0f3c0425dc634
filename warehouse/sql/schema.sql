-- imap warehouse schema. Tiers follow OONI's data model: raw measurements are parsed into one row
-- each (tier 0: `measurements`), judged one by one (tier 1: `measurement_judgments`), then aggregated
-- per site x ASN x month (`site_month_verdicts`) and per site x period (`site_period_summary`).
-- Each tier is recomputable from the tier below plus reference data (test list, fingerprints).
--
-- Statements are idempotent (IF NOT EXISTS) and applied on every connection by warehouse.db.
-- Column names are a contract between stages: add columns freely, rename only with every reader.

-- Tier 0: one row per web_connectivity measurement, everything classification needs without
-- re-reading the raw JSON. Written one ingest partition (`ingest_day`) at a time, in one transaction.
CREATE TABLE IF NOT EXISTS measurements (
    -- Identity and provenance
    measurement_key        VARCHAR NOT NULL,   -- measurement_uid, or 'noid:' || sha1 of the canonical JSON of the whole measurement
    measurement_uid        VARCHAR,            -- OONI collector's id (NULL in files written by a probe itself)
    report_id              VARCHAR,            -- OONI report id of the probe's run (may be empty in probe-written files)
    input                  VARCHAR NOT NULL,   -- the tested URL, as measured
    domain                 VARCHAR NOT NULL,   -- lower-case ASCII (punycode) hostname of input, no port
    ingest_day             DATE NOT NULL,      -- the daily partition that loaded this row (see ingest_source)
    ingest_source          VARCHAR NOT NULL,   -- 's3', 'api' or 'local'
    source_file            VARCHAR NOT NULL,   -- bucket key, API URL or local path the row came from
    source_line            INTEGER,            -- 1-based line (or JSON list element) in source_file; NULL: single-object file
    is_synthetic           BOOLEAN NOT NULL,   -- made by imap's synthetic generator (annotations.imap_synthetic)
    measurement_start_time TIMESTAMP NOT NULL, -- UTC, when the measurement ran (not when it was uploaded)
    measurement_day        DATE NOT NULL,      -- CAST(measurement_start_time AS DATE): months are counted on this
    probe_cc               VARCHAR NOT NULL,   -- two-letter country code the probe geolocated to (KH)
    probe_asn              INTEGER NOT NULL,   -- network the probe measured from, as a number: 38623 for "AS38623"
    probe_network_name     VARCHAR,            -- name of probe_asn's network, as the probe reported it
    resolver_ip            VARCHAR,            -- egress address of the probe's DNS resolver (OONI's resolver lookup)
    resolver_asn           INTEGER,            -- ASN of resolver_ip (a dns_filtering network: DNS blocks are local filtering)
    resolver_network_name  VARCHAR,            -- name of resolver_asn's network
    software_name          VARCHAR,            -- the probe app: ooniprobe-android, ooniprobe-cli, miniooni, ...
    software_version       VARCHAR,            -- version of that app
    test_version           VARCHAR NOT NULL,   -- "0.4.3", "0.5.28", ...
    test_runtime           DOUBLE,             -- seconds the test took (NULL when not a number)

    -- DNS as the probe saw it through its system resolver, the lookups OONI's spec calls "classic":
    -- 0.4 every query; 0.5 the getaddrinfo/system engine only. 0.5's extra DNS-over-UDP lookups to a
    -- public resolver (1.1.1.1:53, 8.8.8.8:53) and DoH are kept apart below: they often get the real
    -- answer while the ISP resolver lies, so mixing them in would hide DNS blocking.
    dns_experiment_failure VARCHAR,            -- test_keys.dns_experiment_failure (NULL: the DNS step did not fail)
    dns_failure            VARCHAR,            -- the input host's system lookup failed with this (NULL when it returned addresses)
    dns_answers            VARCHAR[],          -- distinct A/AAAA addresses for the input host (system resolver)
    dns_answer_asns        INTEGER[],          -- distinct ASNs of those answers (probe's or control.ip_info's), where known
    dns_cnames             VARCHAR[],          -- CNAME targets the system resolver returned for the input host
    doh_answers            VARCHAR[],          -- 0.5: addresses the probe's own DoH lookups returned
    dns_udp_answers        VARCHAR[],          -- 0.5: addresses from the DNS-over-UDP lookups to a public resolver
    dns_udp_failure        VARCHAR,            -- 0.5: failure of those lookups (NULL when they returned addresses)
    dns_consistency        VARCHAR,            -- test_keys.dns_consistency: consistent / inconsistent; NULL when not judged

    -- TCP connects (all depths)
    tcp_attempts           INTEGER,            -- TCP connects the probe recorded (test_keys.tcp_connect; 0 when none)
    tcp_failures           INTEGER,            -- of those, connects that failed
    tcp_failure            VARCHAR,            -- first failure string (connection_refused, ...); NULL when none failed
    tcp_blocked            INTEGER,            -- 0.4: connects the probe itself marked status.blocked
    tcp_ok_ips             VARCHAR[],          -- addresses a TCP connect succeeded to
    tcp_failed_ips         VARCHAR[],          -- addresses every TCP connect to failed

    -- TLS handshakes (0.5; 0.4 reports TLS failures through requests/http_experiment_failure)
    tls_attempts           INTEGER,            -- TLS handshakes recorded (test_keys.tls_handshakes; 0 in 0.4)
    tls_failures           INTEGER,            -- of those, handshakes that failed
    tls_failure            VARCHAR,            -- first failure string (connection_reset, ssl_invalid_hostname, ...)
    tls_ok_ips             VARCHAR[],          -- addresses that completed a verified handshake (valid certificate)
    tls_failed_ips         VARCHAR[],          -- addresses whose handshakes all failed, any failure (reset, timeout, ssl_*)

    -- HTTP: the final request of the chain (requests[0], newest first)
    http_experiment_failure VARCHAR,           -- test_keys.http_experiment_failure
    http_failure           VARCHAR,            -- requests[0].failure (NULL when the final request got a response)
    http_request_url       VARCHAR,            -- URL of the final request (input or redirect target); NULL without requests
    http_redirects         INTEGER,            -- number of requests in the chain minus one (NULL without requests)
    http_status            INTEGER,            -- HTTP status code of the final response; NULL when there was none
    http_body_length       INTEGER,            -- bytes of the body as received (base64 decoded); NULL without a body
    http_body_truncated    BOOLEAN,            -- the probe cut the body at its size limit (response.body_is_truncated)
    http_body_sha1         VARCHAR,            -- hex SHA-1 of the body bytes, for candidate discovery; NULL without a body
    http_title             VARCHAR,            -- <title> text, whitespace collapsed, at most 256 chars; NULL when none
    http_headers           STRUCT(name VARCHAR, value VARCHAR)[],  -- response headers (values cut at 512 chars)
    http_body_sample       VARCHAR,            -- first 4096 chars of short bodies (<= 16 KiB) or bodies unlike the control's; NULL otherwise

    -- The control (OONI's test helper: the site seen from outside)
    control_failure        VARCHAR,            -- test_keys.control_failure (NULL: the test helper answered)
    control_dns_failure    VARCHAR,            -- the helper's DNS failure (dns_nxdomain_error, ...); NULL when it resolved
    control_dns_addrs      VARCHAR[],          -- addresses the helper resolved the host to (empty: none, or no control)
    control_dns_asns       INTEGER[],          -- 0.5 control.ip_info ASNs of control_dns_addrs
    control_tcp_ok         INTEGER,            -- ip:port endpoints the helper connected to; NULL without control.tcp_connect
    control_tcp_failures   INTEGER,            -- endpoints it failed to connect to; NULL without control.tcp_connect
    control_tls_ok         INTEGER,            -- 0.5: helper's TLS handshakes that succeeded; NULL without control.tls_handshake
    control_tls_failures   INTEGER,            -- 0.5: helper's TLS handshakes that failed; NULL without control.tls_handshake
    control_tls_failure    VARCHAR,            -- first of those handshake failures; NULL when none failed
    control_http_failure   VARCHAR,            -- the helper's HTTP failure; NULL when it got a response or there is no control
    control_http_status    INTEGER,            -- HTTP status code the helper got; NULL when it got none
    control_http_body_length INTEGER,          -- bytes of the helper's body; NULL when unknown (it wrote -1)
    control_http_title     VARCHAR,            -- <title> of the helper's page, as it wrote it; NULL when none

    -- The probe's own analysis (kept for comparison with ours, never trusted blindly)
    probe_blocking         VARCHAR,            -- 'false', 'dns', 'tcp_ip', 'http-failure', 'http-diff'; NULL when the probe could not tell
    probe_accessible       BOOLEAN,            -- test_keys.accessible (false with probe_blocking 'false': the site is down)
    x_blocking_flags       INTEGER,            -- bits 1 DNS, 2 TCP/IP, 4 TLS, 8 HTTP failure, 16 HTTP diff, 32 success; NULL in 0.4
    body_length_match      BOOLEAN,            -- the probe found the body length close to the control's (NULL: not compared)
    body_proportion        DOUBLE,             -- probe vs control body length, shorter / longer (1: same); 0 or NULL: not compared
    status_code_match      BOOLEAN,            -- the probe found the status code equal to the control's (NULL: not compared)
    headers_match          BOOLEAN,            -- the probe found the headers match the control's (NULL: not compared)
    title_match            BOOLEAN,            -- the probe found the title matches the control's (NULL: not compared)

    -- Derived at ingest (ooni_ingest.extract.answer_checks), for the judgments' fast path: the first two
    -- false when dns_answers is empty, the third NULL then. NULL in rows stored before these columns
    -- existed; the classification SQL then computes the same from the lists (imap_answers_in_control,
    -- imap_answers_explained, imap_first_answer_bogon).
    dns_answers_in_control BOOLEAN,            -- every dns_answers address is in control_dns_addrs
    dns_answers_explained  BOOLEAN,            -- every dns_answers address is in control_dns_addrs, doh_answers or tls_ok_ips
    dns_first_answer_bogon BOOLEAN             -- the first dns_answers address is a bogon (imap_is_bogon: private, loopback, reserved, ...)
);
-- Warehouses made before the derived columns: add them (no-ops once there), at the end as above.
ALTER TABLE measurements ADD COLUMN IF NOT EXISTS dns_answers_in_control BOOLEAN;
ALTER TABLE measurements ADD COLUMN IF NOT EXISTS dns_answers_explained BOOLEAN;
ALTER TABLE measurements ADD COLUMN IF NOT EXISTS dns_first_answer_bogon BOOLEAN;

-- One row per source file an ingest partition read (bucket object, local file, API page).
CREATE TABLE IF NOT EXISTS ingest_files (
    ingest_day      DATE NOT NULL,     -- the partition that read the file (see measurements.ingest_day)
    ingest_source   VARCHAR NOT NULL,  -- 's3', 'api' or 'local'
    source_file     VARCHAR NOT NULL,  -- bucket key, API URL or local path (measurements.source_file)
    bytes           BIGINT,            -- size of the file as fetched, in bytes (compressed for .gz)
    lines           BIGINT,            -- lines (or JSON list elements) read and counted here: stored + skipped
    stored          BIGINT,            -- measurements written to `measurements`
    skipped         BIGINT,            -- lines skipped, by reason in ingest_skips
    complete        BOOLEAN,           -- false when the file ended early or could not be read (truncated_gzip, unreadable_file)
    ingested_at     TIMESTAMP          -- UTC time the partition was written
);

-- Why lines were not stored, per partition, file and reason. Bad input (counts towards the skip-rate
-- check): truncated_gzip, unreadable_file, invalid_json, not_an_object, no_test_keys, unknown_test_version,
-- wrong_test_name and wrong_country (the path said web_connectivity / the country, the content did not),
-- invalid_field, implausible_time (measured after it was uploaded). Filters, not errors: other_test and
-- other_country (content-filtered files holding other data), outside_partition (content-filtered sources),
-- duplicate (the same measurement_key twice in one partition).
CREATE TABLE IF NOT EXISTS ingest_skips (
    ingest_day      DATE NOT NULL,     -- the partition that read the file
    ingest_source   VARCHAR NOT NULL,  -- 's3', 'api' or 'local'
    source_file     VARCHAR NOT NULL,  -- bucket key, API URL or local path
    reason          VARCHAR NOT NULL,  -- one of the reasons listed above
    count           BIGINT NOT NULL,   -- lines skipped for this reason
    first_line      BIGINT,            -- first line that was skipped for this reason (NULL for duplicate and whole-file errors)
    example         VARCHAR            -- the error message for that line (at most 500 chars)
);

-- The effective test list: upstream Citizen Lab kh.csv and global.csv plus the project's own entries.
CREATE TABLE IF NOT EXISTS test_list (
    url                  VARCHAR NOT NULL,   -- the URL as listed (trimmed); one row per URL
    domain               VARCHAR NOT NULL,   -- hostname of url, normalised as measurements.domain (the join key)
    category_code        VARCHAR NOT NULL,   -- Citizen Lab category code (NEWS, POLR, ...); obvious typos mapped to the legend's
    category_description VARCHAR,            -- the legend's text for the code; the list's own text when the legend lacks it
    date_added           DATE,               -- when the entry was added, as the list says; NULL when not a readable date
    source               VARCHAR,            -- who or what proposed the entry (the list's source field); NULL when empty
    notes                VARCHAR,            -- the list's free-text notes; NULL when empty
    list                 VARCHAR NOT NULL,   -- 'kh' (upstream Cambodia list), 'global', 'local' (this project's additions/overrides)
    upstream_ref         VARCHAR,            -- commit of the upstream list the row came from (NULL for local)
    lists                VARCHAR[]           -- every list the URL is on, winner first (precedence local > kh > global)
);

-- Blocking fingerprints: OONI's blocking-fingerprints CSVs plus the reviewed local file.
CREATE TABLE IF NOT EXISTS fingerprints (
    name               VARCHAR NOT NULL,     -- fingerprint id: ooni.*, cp.*, cl.* upstream; imap.* in the local file
    scope              VARCHAR NOT NULL,     -- nat, isp, prod (product), inst (institution), fp (false positive), router, ...
    other_names        VARCHAR,              -- other ids of the same fingerprint (Citizen Lab's cl.* names, ...)
    location_found     VARCHAR NOT NULL,     -- dns, body, header.location, header.server, ...
    pattern_type       VARCHAR NOT NULL,     -- full, prefix, contains or regexp
    pattern            VARCHAR NOT NULL,     -- what to match: an address (dns) or text of the page or header
    confidence_no_fp   INTEGER,              -- self-assessed confidence of no false positives: higher is safer (mostly 5 or 10)
    expected_countries VARCHAR,              -- comma-separated country codes where it is known to apply; NULL: anywhere
    source             VARCHAR,              -- where the fingerprint came from (ooni, censored planet, a report, ...)
    exp_url            VARCHAR,              -- an OONI Explorer measurement showing it
    notes              VARCHAR,              -- free text: what it is, why it is scoped so
    origin             VARCHAR NOT NULL,     -- 'ooni' or 'local'
    review_status      VARCHAR,              -- local file: confirmed, likely, false_positive, pending (ignored); NULL for ooni
    origin_ref         VARCHAR               -- ooni: '<commit or ref>@sha256:<12 hex>' of the CSVs; local: 'sha256:<16 hex>'
);

-- Reference: networks seen in measurements, with the kind that decides whether a network's cells
-- count as ISP blocking (warehouse/reference/networks.csv, loaded by the classification stage).
CREATE TABLE IF NOT EXISTS networks (
    asn                   INTEGER NOT NULL,  -- AS number (probe_asn of the measurements)
    name                  VARCHAR NOT NULL,  -- ISP or organisation name, as readers know it
    kind                  VARCHAR NOT NULL,  -- isp, mobile, vpn, hosting, cdn, dns_filtering
    country               VARCHAR,           -- where the network operates ('KH', or elsewhere for foreign networks)
    exclude_from_verdicts BOOLEAN NOT NULL,  -- VPN/foreign/hosting networks: no ISP verdicts (settings.thresholds.excluded_network_kinds)
    notes                 VARCHAR,           -- how the network blocks, or why it is excluded
    source                VARCHAR            -- where those facts come from
);

-- Tier 1: one judgment per measurement, read as the view `measurement_judgments` (below), which is
-- what every reader uses. Two parts are stored:
--   ruled_judgments  the judgments the rules made (classify_judgments.sql): every measurement that is
--                    not plainly `ok`, about 9 % of a Cambodian year;
--   judged_days      the ingest days that were judged, and how many measurements each had.
-- A measurement of a judged day without a row in ruled_judgments is one the fast path found plainly
-- `ok` (imap_fast_ok, classify_macros.sql: every rule calls it `ok` with nothing to report), and the
-- view derives its judgment from `measurements`: it is the same row the rules would write. Not
-- storing 1.4 million rows that say only `ok` saves 0.55-0.8 s of the 2 s a Cambodian year took to
-- judge; the view costs a reader one anti-join (none for readers of blocked, confirmed or local
-- filtering rows, whose filters leave out the derived part). Ingest keeps the parts in step with
-- `measurements`: a day loaded again keeps its judgments only if it holds the same measurements as
-- stored before, and loses them otherwise (ingest_settle_judgments.sql), so a day is never judged
-- from rows it no longer holds; a measurement taken over by another day loses its old judgment
-- (ingest_remove_other_partitions.sql). Every row of ruled_judgments belongs to a measurement of a
-- judged day: the monthly verdicts count on it (verdicts_month.sql), and judging fails rather than
-- store fewer rule judgments than measurements sent to the rules.
--
-- Narrow on purpose: the measurement's identity and provenance (measurement_uid, report_id, input,
-- start time, test version) stay in `measurements`, joined on measurement_key when needed; only what
-- the monthly cells group and filter on is copied. The key is stored uncompressed: compressing unique
-- ids (DuckDB's FSST) costs more CPU than judging the measurements.
CREATE TABLE IF NOT EXISTS ruled_judgments (
    measurement_key  VARCHAR NOT NULL USING COMPRESSION uncompressed,  -- the judged row of `measurements`
    ingest_day       DATE NOT NULL,          -- same partition as the measurement, so a day re-derives alone
    measurement_day  DATE NOT NULL,          -- UTC day the measurement ran, as in measurements: months are counted on it
    probe_cc         VARCHAR NOT NULL,       -- as in measurements
    probe_asn        INTEGER NOT NULL,       -- as in measurements
    domain           VARCHAR NOT NULL,       -- as in measurements
    outcome          VARCHAR NOT NULL,       -- ok, blocked, down, inconclusive
    layer            VARCHAR USING COMPRESSION dict_fsst,  -- dns, tcp, tls, http: where it failed (NULL: ok, or no layer to blame)
    method           VARCHAR USING COMPRESSION dict_fsst,  -- dns.nxdomain, dns.bogon, dns.redirect, tcp.timeout, tls.reset, http.blockpage, ... (README "Classification")
    confirmed        BOOLEAN NOT NULL USING COMPRESSION rle,  -- blocked, by a matching nat/isp fingerprint of the probe's country
    local_filtering  BOOLEAN NOT NULL USING COMPRESSION rle,  -- blocked by a filtering product, an institution or a filtering public resolver: not ISP blocking
    fingerprint_name VARCHAR USING COMPRESSION dict_fsst,  -- the fingerprint that matched, of any scope
    fingerprint_scope VARCHAR USING COMPRESSION dict_fsst,  -- nat, isp, prod, inst, fp, router; foreign: another country's rule
    failure          VARCHAR USING COMPRESSION dict_fsst,  -- the failure string the judgment rests on, if any
    suspect_answers  VARCHAR[],              -- DNS answers not explained by the control, DoH or a verified TLS handshake
    probe_anomaly    BOOLEAN USING COMPRESSION rle  -- the probe's own `blocking` was not false/null (OONI's "anomaly"), for comparison
);
-- Warehouses made before the table was narrowed: drop the copied identity columns (no-ops once gone).
ALTER TABLE ruled_judgments DROP COLUMN IF EXISTS measurement_uid;
ALTER TABLE ruled_judgments DROP COLUMN IF EXISTS report_id;
ALTER TABLE ruled_judgments DROP COLUMN IF EXISTS input;
ALTER TABLE ruled_judgments DROP COLUMN IF EXISTS measurement_start_time;
ALTER TABLE ruled_judgments DROP COLUMN IF EXISTS test_version;

CREATE TABLE IF NOT EXISTS judged_days (
    ingest_day   DATE NOT NULL,       -- an ingest partition whose measurements were judged
    measurements BIGINT NOT NULL,     -- its measurements when it was judged
    ruled        BIGINT NOT NULL,     -- of them, judged by the rules (rows of ruled_judgments)
    fast_path    BIGINT NOT NULL,     -- of them, plainly `ok` (no row stored: the view derives it)
    judged_at    TIMESTAMPTZ NOT NULL -- when
);

-- Every judgment (see above): the rules' rows, then the fast path's `ok` rows of the judged days.
CREATE OR REPLACE VIEW measurement_judgments AS
SELECT measurement_key, ingest_day, measurement_day, probe_cc, probe_asn, domain, outcome, layer, method,
       confirmed, local_filtering, fingerprint_name, fingerprint_scope, failure, suspect_answers, probe_anomaly
FROM ruled_judgments
UNION ALL
SELECT
    m.measurement_key, m.ingest_day, m.measurement_day, m.probe_cc, m.probe_asn, m.domain,
    'ok' AS outcome,
    NULL::VARCHAR AS layer,
    NULL::VARCHAR AS method,
    false AS confirmed,
    false AS local_filtering,
    NULL::VARCHAR AS fingerprint_name,
    NULL::VARCHAR AS fingerprint_scope,
    NULL::VARCHAR AS failure,
    NULL::VARCHAR[] AS suspect_answers,
    m.probe_blocking IS NOT NULL AND m.probe_blocking NOT IN ('false', 'none') AS probe_anomaly
FROM measurements m
SEMI JOIN judged_days d ON d.ingest_day = m.ingest_day
ANTI JOIN ruled_judgments r ON r.ingest_day = m.ingest_day AND r.measurement_key = m.measurement_key;

-- Tier 2: answers and pages shared across many domains among anomalous measurements, for review
-- (warehouse/sql/candidates_*.sql). One row per period and candidate.
CREATE TABLE IF NOT EXISTS fingerprint_candidates (
    period_label        VARCHAR NOT NULL,    -- "2024", "2023-07/2024-06"
    kind                VARCHAR NOT NULL,    -- dns (answer address), http_body (body SHA-1), http_title
    location_found      VARCHAR NOT NULL,    -- as a fingerprint would have it: dns, body, title
    pattern             VARCHAR NOT NULL,    -- the address, body hash or title
    domain_count        INTEGER NOT NULL,    -- distinct domains it was seen for, among anomalous measurements
    domains             VARCHAR[],           -- up to 25, most measured first
    asns                INTEGER[],           -- probe ASNs it was seen on, ascending
    measurements        INTEGER NOT NULL,    -- anomalous measurements with it
    first_day           DATE,                -- first measurement day it was seen
    last_day            DATE,                -- last measurement day it was seen
    is_bogon            BOOLEAN,             -- dns: a private, loopback or reserved address
    in_probe_asn        BOOLEAN,             -- dns: some probe got it as its only answer, and its ASN is the probe's own network
    control_returned    BOOLEAN,             -- dns: the control ever resolved some domain to it; http: the control saw that title
    verified_tls        BOOLEAN,             -- dns: a handshake with a valid certificate to it ever succeeded
    matched_fingerprint VARCHAR,             -- name of an existing fingerprint that already covers it; NULL when none
    example_measurement_uids VARCHAR[],      -- up to 5 OONI measurement ids, newest first, for Explorer links
    sample              VARCHAR              -- http: title and the start of the body, for the reviewer
);

-- Tier 3: one verdict per (month, ASN, domain) cell (warehouse/sql/verdicts_month.sql). Networks
-- whose kind is excluded (VPN, hosting) get no cells. Outcome counts add up to `measurements`.
CREATE TABLE IF NOT EXISTS site_month_verdicts (
    month               DATE NOT NULL,       -- first day of the month (by measurement_day)
    asn                 INTEGER NOT NULL,    -- probe ASN (networks.asn)
    domain              VARCHAR NOT NULL,    -- test-list domain (measurements.domain)
    probe_cc            VARCHAR NOT NULL,    -- probe country
    measurements        INTEGER NOT NULL,    -- judged measurements in the cell: ok + blocked + down + inconclusive
    ok_count            INTEGER NOT NULL,    -- judged ok: the site was reachable
    blocked_count       INTEGER NOT NULL,    -- every blocked outcome, local filtering included
    down_count          INTEGER NOT NULL,    -- judged down: the site itself failed (the control saw the same)
    inconclusive_count  INTEGER NOT NULL,    -- judged inconclusive: no usable control, or evidence that decides nothing
    isp_blocked_count   INTEGER NOT NULL,    -- blocked and not local filtering: what the verdict weighs
    confirmed_count     INTEGER NOT NULL,    -- blocked with an ISP/national fingerprint match
    local_filtering_count INTEGER NOT NULL,  -- blocked by a filtering product, institution or chosen resolver: not the ISP
    ooni_anomaly_count  INTEGER NOT NULL,    -- what the probes themselves flagged, for comparison with OONI Explorer
    days                INTEGER NOT NULL,    -- distinct days of the month with a measurement
    blocked_days        INTEGER NOT NULL,    -- distinct days with an ISP-blocked measurement
    blocked_share_lower DOUBLE,              -- Wilson lower bound of isp_blocked / (isp_blocked + ok); NULL when that is 0/0
    blocked_share_upper DOUBLE,              -- Wilson upper bound of the same share; NULL when that is 0/0
    verdict             VARCHAR NOT NULL,    -- confirmed, likely, inconclusive, accessible, down, insufficient
    method              VARCHAR,             -- dominant ISP blocking method in the cell; NULL when nothing was ISP-blocked
    method_share        DOUBLE,              -- its share of the ISP-blocked measurements (0 to 1); NULL when none
    methods             VARCHAR[],           -- all ISP blocking methods seen, most frequent first
    method_counts       STRUCT(method VARCHAR, count INTEGER)[],  -- each ISP blocking method with its count, most frequent first
    fingerprints        VARCHAR[],           -- names of the fingerprints behind confirmed measurements, sorted; NULL when none
    example_measurement_uids VARCHAR[]       -- up to 3 ISP-blocked ones, confirmed then latest first, for evidence links
);

-- Tier 4: one row per website and reporting period (warehouse/sql/summary_period.sql), built from
-- site_month_verdicts of the period and of the period before it.
CREATE TABLE IF NOT EXISTS site_period_summary (
    period_label        VARCHAR NOT NULL,    -- warehouse.periods.Period.label: "2024" or "2023-07/2024-06"
    period_start        DATE NOT NULL,       -- first day of the period
    period_end          DATE NOT NULL,       -- last day of the period, inclusive
    domain              VARCHAR NOT NULL,    -- the website (test-list domain)
    verdict             VARCHAR NOT NULL,    -- best cell verdict: confirmed > likely > accessible > down > inconclusive > insufficient
    asns                INTEGER[],           -- ASNs with a confirmed or likely cell, ascending
    methods             VARCHAR[],           -- blocking methods of those cells, most frequent first
    by_asn              STRUCT(asn INTEGER, network_name VARCHAR, verdict VARCHAR, methods VARCHAR[],
                               first_blocked_month DATE, last_blocked_month DATE, blocked_months INTEGER,
                               still_blocked BOOLEAN, measurements INTEGER)[],  -- one entry per blocking ASN
    first_blocked_month DATE,                -- first month with a confirmed or likely cell on any ASN; NULL when none
    last_blocked_month  DATE,                -- last such month; NULL when none
    blocked_months      INTEGER,             -- distinct months with a confirmed or likely cell
    months_measured     INTEGER,             -- distinct months with a cell for the site
    asns_measured       INTEGER,             -- networks with a cell for the site in the period (excluded kinds have none)
    still_blocked       BOOLEAN NOT NULL,    -- some ASN's latest conclusive cell is blocking and falls in the period's last thresholds.still_blocked_window_months
    previous_verdict    VARCHAR,             -- the same verdict over Period.previous(); NULL when that period has no cells
    change              VARCHAR NOT NULL,    -- new, continued, stopped, unclear, first_measured, not_blocked (README "Classification")
    measurements        INTEGER NOT NULL,    -- measurements in the period's cells (0: blocked before, unmeasured now)
    ok_count            INTEGER NOT NULL,    -- ok measurements, summed over the cells
    isp_blocked_count   INTEGER NOT NULL,    -- ISP-blocked measurements (blocked, not local filtering), summed over the cells
    confirmed_count     INTEGER NOT NULL,    -- fingerprint-confirmed blocked measurements, summed over the cells
    down_count          INTEGER NOT NULL,    -- down measurements, summed over the cells
    inconclusive_count  INTEGER NOT NULL,    -- inconclusive measurements, summed over the cells
    local_filtering_count INTEGER NOT NULL,  -- blocked by local filtering (not the ISP), summed over the cells
    example_measurement_uids VARCHAR[]       -- up to 5 from blocking cells, confirmed cells and latest months first
);
