/**
 * Getting models: the Hugging Face Hub client and its cache (HubClient, HubModels, CacheLock), checkpoint reading
 * (Checkpoint, Safetensors, XlmRobertaConfig), conversion into an ONNX bundle (CheckpointConverter, OnnxGraph,
 * XlmRobertaOnnx), and the resolvers from a --model / --embedder value to a bundle (ModelResolver, EmbedderResolver).
 * May use inference and org.crest; never Spark.
 */
package org.crest.model;
