package org.crest.cli.options;

import java.util.List;
import org.crest.io.InputFormat;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** Where the input is and how to read it (a picocli mixin): {@code --input}, {@code --format}. */
public final class InputOptions {
    @Option(
            names = {"-i", "--input"},
            required = true,
            split = ",",
            paramLabel = "PATH",
            description =
                    "Input file(s) or folder(s): jsonl/json, csv or parquet, optionally .gz; local paths, file://, "
                            + "s3a:// or hdfs://. Comma-separated or repeated.")
    List<String> inputs;

    @Option(
            names = "--format",
            defaultValue = "auto",
            converter = FormatConverter.class,
            paramLabel = "FMT",
            description = "auto (by extension: .jsonl/.json, .csv, .parquet, optionally .gz), jsonl, csv or parquet. "
                    + "Default: ${DEFAULT-VALUE}.")
    InputFormat format;

    public List<String> inputs() {
        return inputs;
    }

    public InputFormat format() {
        return format;
    }

    static final class FormatConverter implements ITypeConverter<InputFormat> {
        @Override
        public InputFormat convert(String value) {
            return InputFormat.parse(value);
        }
    }
}
