-- Databricks notebook source
-- crest audit report: what a label run found, in Spark SQL (no pandas).
-- Works on a plain label output and on a --resume output (dt=YYYY-MM-DD folders, each with its _quarantine/).
-- Parameter: :output, the folder crest label --output wrote. In a Databricks SQL notebook it is the widget below
-- (named parameter markers take widget values); with plain Spark pass it as a query argument, e.g. in Scala
--   spark.sql(statement, Map("output" -> "s3a://bucket/crest/audit"))
-- The page people read each morning (charts, trends, alerts) is `crest report` / `label --report`: docs/REPORT.md.
-- Rows of a --resume partition that a running job has not committed yet (no _crest_manifest.json) are included here;
-- `crest report` leaves them out.

-- COMMAND ----------

CREATE WIDGET TEXT output DEFAULT 's3a://bucket/crest/audit';

-- COMMAND ----------

-- 1. Totals: labeled rows, unsafe rows and their share; the model(s) that labeled them.
SELECT count(*)                                              AS rows_labeled,
       sum(CASE WHEN crest_label = 'unsafe' THEN 1 ELSE 0 END) AS rows_unsafe,
       round(avg(CASE WHEN crest_label = 'unsafe' THEN 1.0 ELSE 0.0 END), 4) AS unsafe_share,
       sum(crest_tokens)                                       AS content_tokens,
       concat_ws(', ', collect_set(crest_model))               AS models
FROM IDENTIFIER('parquet.`' || :output || '`');

-- COMMAND ----------

-- 2. Quarantine reasons: every row that could not be scored, by reason code and day (day is empty for a plain
--    output). The glob reads OUTPUT/_quarantine and every OUTPUT/dt=*/_quarantine.
SELECT regexp_extract(_metadata.file_path, 'dt=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1) AS day,
       crest_error AS reason, count(*) AS rows
FROM IDENTIFIER('parquet.`' || :output || '/{_quarantine,dt=*/_quarantine}`')
GROUP BY 1, 2
ORDER BY day, rows DESC, reason;

-- COMMAND ----------

-- 3. Per day (--resume outputs; one row with an empty day for a plain output): labeled, unsafe, unsafe share.
SELECT regexp_extract(_metadata.file_path, 'dt=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1) AS day,
       count(*) AS rows_labeled,
       sum(CASE WHEN crest_label = 'unsafe' THEN 1 ELSE 0 END) AS rows_unsafe,
       round(avg(CASE WHEN crest_label = 'unsafe' THEN 1.0 ELSE 0.0 END), 4) AS unsafe_share
FROM IDENTIFIER('parquet.`' || :output || '`')
GROUP BY 1
ORDER BY day;

-- COMMAND ----------

-- 4. Score distribution in tenths of P(unsafe): where the threshold falls matters more than the mean.
SELECT floor(crest_score * 10) / 10 AS score_from, count(*) AS rows
FROM IDENTIFIER('parquet.`' || :output || '`')
GROUP BY floor(crest_score * 10) / 10
ORDER BY score_from;

-- COMMAND ----------

-- 5. The 20 highest-scoring rows, for review (long texts show their first 200 characters).
SELECT crest_score, crest_label, crest_windows, crest_tokens,
       substring(to_json(struct(*)), 1, 200) AS row_start
FROM IDENTIFIER('parquet.`' || :output || '`')
ORDER BY crest_score DESC
LIMIT 20;

-- COMMAND ----------

-- 6. Long texts: rows scored over several windows (the score is the maximum over windows).
SELECT crest_windows AS windows, count(*) AS rows, round(avg(crest_score), 4) AS mean_score
FROM IDENTIFIER('parquet.`' || :output || '`')
GROUP BY crest_windows
ORDER BY windows;
