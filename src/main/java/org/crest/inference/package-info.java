/**
 * Running a model, Spark-free, the same in an executor and in a plain JVM: a model bundle on disk (ModelBundle), its
 * ONNX Runtime session and tokenizer (ModelSession, cached per JVM by SessionCache), windows of long texts
 * (Windowing), length-sorted batches (LengthBatcher), and the classifier and encoder on top (Classifier, Encoder).
 * May use org.crest only; never Spark (ArchitectureTest).
 */
package org.crest.inference;
