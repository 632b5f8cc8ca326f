package org.crest.label;

import java.util.List;
import java.util.Set;
import org.crest.inference.Device;
import org.crest.io.InputFormat;

/** Test helper: LabelOptions with the CLI's defaults, changed one field at a time. */
public final class Labels {
  private Labels() {}

  public static LabelOptions options(String input, String output, String model) {
    return new LabelOptions(List.of(input), output, InputFormat.AUTO, "text", null, Set.of(), model, null, 0.5, 512,
        256, 4096, 64, 4096, Device.CPU, 0, false, 0);
  }

  public static LabelOptions messages(LabelOptions o, String col, Set<String> roles) {
    return new LabelOptions(o.inputs(), o.output(), o.format(), o.textCol(), col, roles, o.model(), o.unsafeLabel(),
        o.threshold(), o.maxTokens(), o.windowStride(), o.batchTokens(), o.maxBatchSize(), o.chunkRows(), o.device(),
        o.intraOpThreads(), o.overwrite(), o.repartition());
  }

  public static LabelOptions batching(LabelOptions o, int batchTokens, int maxBatchSize, int chunkRows,
      int repartition) {
    return new LabelOptions(o.inputs(), o.output(), o.format(), o.textCol(), o.messagesCol(), o.roles(), o.model(),
        o.unsafeLabel(), o.threshold(), o.maxTokens(), o.windowStride(), batchTokens, maxBatchSize, chunkRows,
        o.device(), o.intraOpThreads(), o.overwrite(), repartition);
  }

  public static LabelOptions overwrite(LabelOptions o) {
    return new LabelOptions(o.inputs(), o.output(), o.format(), o.textCol(), o.messagesCol(), o.roles(), o.model(),
        o.unsafeLabel(), o.threshold(), o.maxTokens(), o.windowStride(), o.batchTokens(), o.maxBatchSize(),
        o.chunkRows(), o.device(), o.intraOpThreads(), true, o.repartition());
  }

  public static LabelOptions output(LabelOptions o, String output) {
    return new LabelOptions(o.inputs(), output, o.format(), o.textCol(), o.messagesCol(), o.roles(), o.model(),
        o.unsafeLabel(), o.threshold(), o.maxTokens(), o.windowStride(), o.batchTokens(), o.maxBatchSize(),
        o.chunkRows(), o.device(), o.intraOpThreads(), o.overwrite(), o.repartition());
  }
}
