package org.crest.cli.options;

import org.crest.label.TableOutput;
import picocli.CommandLine.Option;

/** Where label writes its rows when they go to tables (a picocli mixin): {@code --output-table}, {@code --quarantine-table}. */
public final class TableOptions {
    @Option(
            names = "--output-table",
            paramLabel = "NAME",
            description =
                    "Write the labeled rows into this table of the session's catalogs ([catalog.][namespace.]table, "
                            + "e.g. main.audit.crest_labels: Delta on Databricks, Iceberg on EMR/Glue) instead of Parquet in "
                            + "--output, with a crest_run_id column. A missing table is created. Without --resume each run appends; "
                            + "with --resume each day (a dt DATE column, the table's partition) replaces that day's rows. --output "
                            + "still holds _crest_summary.json (and the per-day manifests with --resume). Counts are read back from "
                            + "the tables. See docs/PLATFORMS.md.")
    String outputTable;

    @Option(
            names = "--quarantine-table",
            paramLabel = "NAME",
            description = "With --output-table: write the quarantined rows (crest_error, crest_record) into this table "
                    + "too. Default: Parquet in OUTPUT/_quarantine.")
    String quarantineTable;

    /** The tables asked for, names checked, or null when neither flag is given. */
    public TableOutput tables() {
        if (outputTable == null && quarantineTable == null) {
            return null;
        }
        return new TableOutput(outputTable, quarantineTable);
    }
}
