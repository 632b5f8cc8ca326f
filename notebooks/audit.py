# Databricks notebook source
# MAGIC %md
# MAGIC # crest audit: label a table, then read the report
# MAGIC
# MAGIC Labels the text column of a table with a CREST model (crest-spark's label job, in this cluster's JVM) and shows
# MAGIC the audit report: totals, unsafe rate per language, cluster and role with 95% intervals, score histogram, the
# MAGIC most confident unsafe messages, alerts (docs/REPORT.md).
# MAGIC
# MAGIC Needs the cluster jar `crest-spark-cluster.jar` installed as a cluster library (jobs/README.md) and a model bundle
# MAGIC on the driver's disk (`/dbfs/...`). For the nightly run over `dt=` partitions use the job in
# MAGIC `jobs/databricks-job.json` (`label --resume --report`); this notebook is for one-off audits and for reading a
# MAGIC report.

# COMMAND ----------

dbutils.widgets.text("table", "", "Table to label (catalog.schema.table)")
dbutils.widgets.text("text_col", "text", "Text column")
dbutils.widgets.text("where", "", "Optional filter (SQL), e.g. event_date = current_date() - 1")
dbutils.widgets.text("model", "/dbfs/FileStore/crest/models/crest-base-onnx", "Model bundle folder (driver path)")
dbutils.widgets.text("output", "dbfs:/FileStore/crest/audit/run", "Output folder (replaced)")
dbutils.widgets.text("report_only", "false", "true: only show the report of an existing output")
dbutils.widgets.text("redact", "false", "true: leave message texts out of the report")

table = dbutils.widgets.get("table")
text_col = dbutils.widgets.get("text_col")
where = dbutils.widgets.get("where").strip()
model = dbutils.widgets.get("model")
output = dbutils.widgets.get("output").rstrip("/")
report_only = dbutils.widgets.get("report_only").strip().lower() == "true"
redact = dbutils.widgets.get("redact").strip().lower() == "true"
jvm = spark._jvm

# COMMAND ----------

# Label. The label job reads files, so the rows to audit are first written as Parquet next to the output.
# Alternative once it is available: the DataFrame API, a Spark ML Transformer that labels a DataFrame in place,
#   labeled = jvm.org.crest.api.CrestLabeler()...  (issue 10; see README, "DataFrame API")
# and then crest report over the written output. Here: the job's own entry point, LabelJob.run, on this session
# (not the command line, whose end stops the Spark session).
if not report_only:
    if not table:
        raise ValueError("Set the 'table' widget (or report_only = true)")
    rows = spark.table(table)
    if where:
        rows = rows.where(where)
    staging = output + "_input"
    rows.write.mode("overwrite").parquet(staging)

    inputs = jvm.java.util.ArrayList()
    inputs.add(staging)
    options = (jvm.org.crest.label.LabelOptions.builder()
               .inputs(inputs).output(output).format(jvm.org.crest.io.InputFormat.parse("parquet"))
               .textCol(text_col).model(model).threshold(0.5)
               .overwrite(True)  # overwrite the output
               .detectLanguage(True)  # crest_lang, for the per-language breakdown
               .build())
    summary = jvm.org.crest.label.LabelJob.run(spark._jsparkSession, options)
    print(f"rows in {summary.rowsIn()}, labeled {summary.rowsLabeled()}, unsafe {summary.unsafe()}, "
          f"quarantined {summary.rowsQuarantined()} {summary.quarantineReasons()}")

# COMMAND ----------

# The report: report.html, report.md, report.json and alerts.json under OUTPUT/_crest_report
# (what `crest report --input OUTPUT` and `crest label --report` write).
report_options = jvm.org.crest.report.ReportOptions(output, None, 14, 20, redact, None, None, 3.0)
report = jvm.org.crest.report.ReportFiles.run(spark._jsparkSession, report_options)
report_dir = jvm.org.crest.report.ReportFiles.folder(report_options)
print(f"{report.alerts().size()} alert(s); report in {report_dir}")

# COMMAND ----------

# The alerts as a table (empty when none)
alerts = (spark.read.option("multiLine", True).json(report_dir + "/alerts.json")
          .selectExpr("explode(alerts) AS a").select("a.*"))
display(alerts)

# COMMAND ----------

# The page itself: one self-contained HTML file (inline SVG, no scripts), also fine to download and mail.
displayHTML(dbutils.fs.head(report_dir + "/report.html", 20 * 1024 * 1024))
