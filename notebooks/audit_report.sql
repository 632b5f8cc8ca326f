-- Databricks notebook source
-- crest audit report: what a label run found, in Spark SQL (no pandas).
-- Works as a Databricks SQL notebook (import this file) and with plain Spark:
--   spark-sql --conf crest.output=/path/to/label/output -f notebooks/audit_report.sql
-- In a notebook, set the output folder first, e.g. SET crest.output = s3a://bucket/crest/audit;
-- The folder is what `crest label --output` wrote: Parquet rows with crest_* columns, _quarantine/ and
-- _crest_summary.json (for --resume runs: one dt=YYYY-MM-DD folder per day, read as a partition column).

-- COMMAND ----------

CREATE OR REPLACE TEMPORARY VIEW crest_labeled
USING parquet OPTIONS (path '${crest.output}');

-- COMMAND ----------

-- Quarantined rows: read with the same layout (for --resume runs, point this at one day's folder).
CREATE OR REPLACE TEMPORARY VIEW crest_quarantine
USING parquet OPTIONS (path '${crest.output}/_quarantine');

-- COMMAND ----------

-- 1. Totals: labeled rows, unsafe rows and their share; the model(s) that labeled them.
SELECT count(*)                                              AS rows_labeled,
       sum(CASE WHEN crest_label = 'unsafe' THEN 1 ELSE 0 END) AS rows_unsafe,
       round(avg(CASE WHEN crest_label = 'unsafe' THEN 1.0 ELSE 0.0 END), 4) AS unsafe_share,
       sum(crest_tokens)                                       AS content_tokens,
       concat_ws(', ', collect_set(crest_model))               AS models
FROM crest_labeled;

-- COMMAND ----------

-- 2. Quarantine reasons: every row that could not be scored, by reason code.
SELECT crest_error AS reason, count(*) AS rows
FROM crest_quarantine
GROUP BY crest_error
ORDER BY rows DESC, reason;

-- COMMAND ----------

-- 3. Score distribution in tenths of P(unsafe): where the threshold falls matters more than the mean.
SELECT floor(crest_score * 10) / 10 AS score_from, count(*) AS rows
FROM crest_labeled
GROUP BY floor(crest_score * 10) / 10
ORDER BY score_from;

-- COMMAND ----------

-- 4. The 20 highest-scoring rows, for review (long texts show their first 200 characters).
SELECT crest_score, crest_label, crest_windows, crest_tokens,
       substring(to_json(struct(*)), 1, 200) AS row_start
FROM crest_labeled
ORDER BY crest_score DESC
LIMIT 20;

-- COMMAND ----------

-- 5. Long texts: rows scored over several windows (the score is the maximum over windows).
SELECT crest_windows AS windows, count(*) AS rows, round(avg(crest_score), 4) AS mean_score
FROM crest_labeled
GROUP BY crest_windows
ORDER BY windows;
