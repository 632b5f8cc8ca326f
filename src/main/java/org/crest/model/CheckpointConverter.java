package org.crest.model;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.crest.ModelException;
import org.crest.inference.BundleFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts a Hugging Face XLM-R checkpoint ({@link Checkpoint}) into a model bundle in the layout of
 * optimum's ONNX export: {@code model.onnx}, {@code tokenizer.json} and {@code config.json} copied from the
 * checkpoint, plus {@code crest-manifest.json} (source files and their sha256, converter version, precision).
 * The graph is float32 whatever the checkpoint's dtype, or float16 (for GPUs) or int8 (dynamic quantization, for CPUs) on request. Above {@link #EXTERNAL_DATA_THRESHOLD} bytes of
 * weights the initializers go to {@code model.onnx_data} (ONNX external data; protobuf files cannot exceed
 * 2 GB).
 */
public final class CheckpointConverter {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointConverter.class);
    /** Bumped when the graph the converter builds changes. */
    public static final String CONVERTER_VERSION = "1";

    public static final String MANIFEST = "crest-manifest.json";
    public static final String EXTERNAL_DATA_FILE = "model.onnx_data";
    /** float32 weight bytes above which the weights go to an external data file (protobuf's limit is 2 GiB). */
    public static final long EXTERNAL_DATA_THRESHOLD = 1_800_000_000L;

    public enum Task {
        CLASSIFICATION,
        EMBEDDING;

        XlmRobertaOnnx.Task graphTask() {
            return this == CLASSIFICATION ? XlmRobertaOnnx.Task.CLASSIFICATION : XlmRobertaOnnx.Task.EMBEDDING;
        }
    }

    public enum ExternalData {
        AUTO,
        ALWAYS,
        NEVER
    }

    /**
     * Weights and compute of the graph: float32 (default, CPU and GPU), float16 (for GPUs), or int8 (for CPUs:
     * the encoder's Linear weights quantized per output channel, their inputs quantized at run time; embeddings,
     * LayerNorm, attention scores and the classifier head stay float32).
     */
    public enum Precision {
        FP32("float32", 4),
        FP16("float16", 2),
        INT8("int8", 4);

        final String onnxName;
        final int bytes;

        Precision(String onnxName, int bytes) {
            this.onnxName = onnxName;
            this.bytes = bytes;
        }
    }

    /**
     * Operators of the graph: standard ONNX only (plain, any ONNX backend), or ONNX Runtime's fused
     * {@code com.microsoft} operators (EmbedLayerNormalization, Attention, SkipLayerNormalization, BiasGelu;
     * {@link FusedLayers}), which need ONNX Runtime.
     */
    public enum Graph {
        PLAIN,
        FUSED;

        /** The name in crest-manifest.json and on the command line. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a conversion did. */
    public record Result(
            Path bundle,
            Task task,
            String architecture,
            XlmRobertaConfig config,
            Map<String, Integer> checkpointDtypes,
            List<String> unusedTensors,
            long weightBytes,
            boolean externalData,
            long millis,
            Precision precision,
            Graph graph) {}

    private CheckpointConverter() {}

    /**
     * Converts {@code checkpointDir} into a bundle at {@code outDir}.
     *
     * @param task classification, embedding, or null: classification when config.json names a
     *     *ForSequenceClassification architecture, else embedding
     * @param overwrite replace a model.onnx already in outDir
     */
    public static Result convert(
            Path checkpointDir, Path outDir, Task task, ExternalData externalData, boolean overwrite) {
        return convert(checkpointDir, outDir, task, externalData, overwrite, Precision.FP32);
    }

    /** As {@link #convert(Path, Path, Task, ExternalData, boolean)}, in the given precision. */
    public static Result convert(
            Path checkpointDir,
            Path outDir,
            Task task,
            ExternalData externalData,
            boolean overwrite,
            Precision precision) {
        return convert(checkpointDir, outDir, task, externalData, overwrite, precision, Graph.PLAIN);
    }

    /** As {@link #convert(Path, Path, Task, ExternalData, boolean, Precision)}, with the given kind of graph. */
    public static Result convert(
            Path checkpointDir,
            Path outDir,
            Task task,
            ExternalData externalData,
            boolean overwrite,
            Precision precision,
            Graph graph) {
        long t0 = System.nanoTime();
        try (Checkpoint ckpt = Checkpoint.open(checkpointDir)) {
            XlmRobertaConfig cfg = XlmRobertaConfig.from(ckpt.config(), checkpointDir.toString());
            checkFiles(ckpt, cfg);
            Task t = task != null ? task : (cfg.isClassifier() ? Task.CLASSIFICATION : Task.EMBEDDING);
            long weightBytes = precision == Precision.INT8 ? int8Bytes(ckpt) : float32Bytes(ckpt) / 4 * precision.bytes;
            boolean external = externalData == ExternalData.ALWAYS
                    || (externalData == ExternalData.AUTO && weightBytes > EXTERNAL_DATA_THRESHOLD);
            if (!external && weightBytes > EXTERNAL_DATA_THRESHOLD) {
                throw new ModelException("Cannot convert " + checkpointDir + ": its " + weightBytes / 1_000_000
                        + " MB of " + precision.onnxName
                        + " weights need ONNX external data (a protobuf file cannot exceed 2 GB); "
                        + "drop --external-data never");
            }
            prepareOutput(outDir, overwrite);
            String arch = t == Task.CLASSIFICATION ? "XLMRobertaForSequenceClassification" : "XLMRobertaModel";
            LOG.info(
                    "Converting {} ({}) to {} in {} ({} graph){} in {}",
                    checkpointDir,
                    cfg,
                    arch,
                    precision.onnxName,
                    graph.label(),
                    external ? " with external data" : "",
                    outDir);

            Path model = outDir.resolve("model.onnx");
            Path tmp = outDir.resolve("model.onnx.tmp");
            Path data = outDir.resolve(EXTERNAL_DATA_FILE);
            Path dataTmp = outDir.resolve(EXTERNAL_DATA_FILE + ".tmp");
            XlmRobertaOnnx.Built built;
            try {
                try (OutputStream dataOut =
                        external ? new BufferedOutputStream(Files.newOutputStream(dataTmp), 1 << 20) : null) {
                    // the external data file is referenced by its final name, relative to model.onnx
                    built = XlmRobertaOnnx.build(
                            ckpt,
                            cfg,
                            t.graphTask(),
                            external ? new OnnxGraph.ExternalData(dataOut, EXTERNAL_DATA_FILE) : null,
                            precision,
                            graph);
                }
                OnnxMl.ModelProto.Builder proto = OnnxMl.ModelProto.newBuilder()
                        .setIrVersion(XlmRobertaOnnx.IR_VERSION)
                        .setProducerName("crest-spark")
                        .setProducerVersion(version())
                        .setDocString("Converted by crest model convert (converter " + CONVERTER_VERSION + ") from "
                                + checkpointDir.getFileName())
                        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder()
                                .setDomain("")
                                .setVersion(XlmRobertaOnnx.OPSET))
                        .setGraph(built.graph());
                if (precision == Precision.INT8 || graph == Graph.FUSED) {
                    // DynamicQuantizeMatMul and the fused operators are ONNX Runtime's (com.microsoft domain, version
                    // 1)
                    proto.addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder()
                            .setDomain(OnnxGraph.MS_DOMAIN)
                            .setVersion(1));
                }
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                    proto.build().writeTo(out);
                }
            } catch (IOException | RuntimeException | Error e) {
                // no half-written files left behind (an OutOfMemoryError included)
                Files.deleteIfExists(tmp);
                Files.deleteIfExists(dataTmp);
                throw e;
            }
            if (external) {
                Files.move(dataTmp, data, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.deleteIfExists(data);
            }
            Files.move(tmp, model, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.copy(
                    checkpointDir.resolve(Checkpoint.TOKENIZER),
                    outDir.resolve(Checkpoint.TOKENIZER),
                    StandardCopyOption.REPLACE_EXISTING);
            Files.copy(
                    checkpointDir.resolve(Checkpoint.CONFIG),
                    outDir.resolve(Checkpoint.CONFIG),
                    StandardCopyOption.REPLACE_EXISTING);

            List<String> unused = new ArrayList<>();
            for (String n : ckpt.names()) {
                if (!built.usedTensors().contains(n)) {
                    unused.add(n);
                }
            }
            if (!unused.isEmpty()) {
                LOG.info("Not used by the {} graph: {}", arch, unused);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            Result r = new Result(
                    outDir,
                    t,
                    arch,
                    cfg,
                    ckpt.dtypes(),
                    unused,
                    built.initializerBytes(),
                    external,
                    ms,
                    precision,
                    graph);
            writeManifest(ckpt, r);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot convert " + checkpointDir + " to " + outDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * What convert checks before it writes anything, so that no broken file reaches a bundle: config.json (also
     * {@link BundleFiles#checkConfig}), tokenizer.json (JSON, loads with the pipeline's tokenizer library, ids within
     * config's vocab_size), and config.json against the weights: the number of encoder layers and the hidden size
     * must be the checkpoint's (a config that disagrees would drop layers, or fail deep in the graph).
     * NaN or infinite weights are refused as each tensor is read ({@link Checkpoint#float32Bytes}).
     */
    static void checkFiles(Checkpoint ckpt, XlmRobertaConfig cfg) {
        String what = "Cannot convert " + ckpt.dir();
        Path config = ckpt.dir().resolve(Checkpoint.CONFIG);
        BundleFiles.checkConfig(ckpt.config(), config, what);
        Path tokenizer = ckpt.dir().resolve(Checkpoint.TOKENIZER);
        BundleFiles.checkTokenizer(tokenizer, ckpt.config(), config, what);
        BundleFiles.loadTokenizer(tokenizer, what);
        String prefix = XlmRobertaOnnx.encoderPrefix(ckpt);
        java.util.regex.Pattern layer = java.util.regex.Pattern.compile(
                java.util.regex.Pattern.quote(prefix + "encoder.layer.") + "(\\d+)\\..*");
        int layers = 0;
        String example = null;
        for (String name : ckpt.names()) {
            java.util.regex.Matcher m = layer.matcher(name);
            if (m.matches()) {
                int i = Integer.parseInt(m.group(1));
                if (i + 1 > layers) {
                    layers = i + 1;
                    example = name;
                }
            }
        }
        String weights = ckpt.weightFiles().size() == 1
                ? ckpt.weightFiles().get(0).getFileName().toString()
                : "the checkpoint's weights";
        if (layers != cfg.numHiddenLayers()) {
            throw new ModelException(
                    what + ": " + config.getFileName() + " has num_hidden_layers " + cfg.numHiddenLayers()
                            + " but " + weights + " has " + layers + " encoder layer" + (layers == 1 ? "" : "s")
                            + (example == null ? "" : " (up to " + example + ")")
                            + "; the config does not belong to these weights");
        }
        String emb = prefix + "embeddings.word_embeddings.weight";
        long[] shape = ckpt.tensor(emb).shape();
        if (shape.length == 2 && shape[1] != cfg.hiddenSize()) {
            throw new ModelException(
                    what + ": " + config.getFileName() + " has hidden_size " + cfg.hiddenSize() + " but "
                            + weights + " has " + emb + " of shape " + java.util.Arrays.toString(shape)
                            + " (hidden size " + shape[1]
                            + "); the config does not belong to these weights");
        }
    }

    private static long float32Bytes(Checkpoint ckpt) {
        long n = 0;
        for (String name : ckpt.names()) {
            Safetensors.Tensor t = ckpt.tensor(name);
            if (t.isFloat()) {
                n += t.elements() * 4;
            }
        }
        return n;
    }

    /** Bytes of an int8 graph's weights: 1 per element of the encoder's Linear weights, 4 for the rest. */
    private static long int8Bytes(Checkpoint ckpt) {
        long n = 0;
        for (String name : ckpt.names()) {
            Safetensors.Tensor t = ckpt.tensor(name);
            if (t.isFloat()) {
                boolean quantized =
                        name.contains("encoder.layer.") && name.endsWith(".weight") && t.shape().length == 2;
                n += quantized ? t.elements() + t.shape()[0] * 4L : t.elements() * 4;
            }
        }
        return n;
    }

    private static void prepareOutput(Path outDir, boolean overwrite) throws IOException {
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw new ModelException("Cannot write the bundle to " + outDir + ": it is a file, expected a directory");
        }
        if (Files.exists(outDir.resolve("model.onnx")) && !overwrite) {
            throw new ModelException("Cannot write the bundle to " + outDir + ": it already has a model.onnx "
                    + "(pass --overwrite to replace it)");
        }
        Files.createDirectories(outDir);
    }

    private static void writeManifest(Checkpoint ckpt, Result r) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode m = json.createObjectNode();
        m.put("format", "crest-bundle/1");
        ObjectNode conv = m.putObject("converter");
        conv.put("tool", "crest model convert");
        conv.put("converter_version", CONVERTER_VERSION);
        conv.put("crest_version", version());
        ObjectNode src = m.putObject("source");
        src.put("checkpoint", ckpt.dir().toAbsolutePath().normalize().toString());
        ObjectNode srcFiles = src.putObject("files");
        List<Path> inputs = new ArrayList<>();
        inputs.add(ckpt.dir().resolve(Checkpoint.CONFIG));
        inputs.add(ckpt.dir().resolve(Checkpoint.TOKENIZER));
        if (Files.isRegularFile(ckpt.dir().resolve(Checkpoint.WEIGHTS_INDEX))) {
            inputs.add(ckpt.dir().resolve(Checkpoint.WEIGHTS_INDEX));
        }
        inputs.addAll(ckpt.weightFiles());
        for (Path p : inputs) {
            srcFiles.put(ckpt.dir().relativize(p).toString(), sha256(p));
        }
        ObjectNode dtypes = src.putObject("dtypes");
        r.checkpointDtypes().forEach(dtypes::put);
        ArrayNode unused = src.putArray("unused_tensors");
        r.unusedTensors().forEach(unused::add);
        m.put("task", r.task().name().toLowerCase(Locale.ROOT));
        m.put("architecture", r.architecture());
        ObjectNode onnx = m.putObject("onnx");
        onnx.put("opset", XlmRobertaOnnx.OPSET);
        onnx.put("ir_version", XlmRobertaOnnx.IR_VERSION);
        onnx.put("precision", r.precision().onnxName);
        onnx.put("graph", r.graph().label());
        onnx.put("output", r.task().graphTask().output);
        onnx.put("external_data", r.externalData());
        onnx.put("weight_bytes", r.weightBytes());
        ObjectNode files = m.putObject("files");
        for (String f : new String[] {"model.onnx", EXTERNAL_DATA_FILE, Checkpoint.TOKENIZER, Checkpoint.CONFIG}) {
            if (Files.isRegularFile(r.bundle().resolve(f))) {
                files.put(f, sha256(r.bundle().resolve(f)));
            }
        }
        json.writeValue(r.bundle().resolve(MANIFEST).toFile(), m);
    }

    static String sha256(Path p) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            try (InputStream in = Files.newInputStream(p)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String version() {
        return org.crest.Version.get();
    }
}
