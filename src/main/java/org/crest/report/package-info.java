/**
 * The audit report ({@code crest report}, {@code crest label --report}): reads what {@code label} wrote (Parquet,
 * {@code _crest_summary.json}, {@code dt=} partitions with manifests), aggregates it with Spark and writes
 * report.html, report.md, report.json and alerts.json. A pipeline room: it uses {@code org.crest} (the output layout
 * in {@link org.crest.Columns}), {@code spark} and {@code io}; {@code label} does not import it (the hook is in
 * {@code cli.LabelCommand}). See docs/REPORT.md.
 */
package org.crest.report;
