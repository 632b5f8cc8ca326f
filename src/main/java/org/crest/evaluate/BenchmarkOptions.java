package org.crest.evaluate;

import java.util.List;
import java.util.Map;
import org.crest.io.InputFormat;

/**
 * How to read a labeled benchmark: files, format, preset and the column options that override it.
 *
 * @param textCol null: the preset's text column(s); else the one column holding the text
 * @param labelCol null: the preset's labels; else the column holding the label
 * @param langCol null: the preset's language; else the column holding a language code
 * @param datasetCol null: the preset's dataset id (generic: the file name); else the column naming the dataset
 * @param labelMap VALUE → safe|unsafe, looked up before the usual encodings
 * @param languageGroups a CSV lang,group replacing the paper's in-domain / ood_low groups; null = the paper's
 */
public record BenchmarkOptions(
        List<String> inputs,
        InputFormat format,
        Preset preset,
        String textCol,
        String labelCol,
        String langCol,
        String datasetCol,
        Map<String, String> labelMap,
        String languageGroups) {

    public BenchmarkOptions {
        inputs = List.copyOf(inputs);
        labelMap = labelMap == null ? Map.of() : Map.copyOf(labelMap);
    }
}
