package org.crest;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/**
 * A real S3 API server for tests: s3proxy in this JVM on loopback (in-memory blob store, SigV2/V4 auth) with
 * one bucket, and the s3a settings to reach it, set per bucket ({@code fs.s3a.bucket.NAME.*}) on the shared
 * Hadoop configuration so other tests are unaffected. {@link #close()} drops the cached S3AFileSystem, removes
 * the settings and stops the server (Jetty's threads would keep the JVM alive).
 */
public final class S3TestBucket implements AutoCloseable {
    public final String bucket;
    public final BlobStore store;
    private final S3Proxy server;
    private final Configuration conf;
    private final List<String> keys = new ArrayList<>();

    private S3TestBucket(String bucket, BlobStore store, S3Proxy server, Configuration conf) {
        this.bucket = bucket;
        this.store = store;
        this.server = server;
        this.conf = conf;
    }

    /**
     * Starts the server and sets credentials, path-style access, no TLS and fast retries. The endpoint is left
     * to {@link #endpoint(int)}: the server's own port, or that of a proxy in front of it.
     */
    public static S3TestBucket start(String bucket, String accessKey, String secretKey, Configuration conf)
            throws Exception {
        BlobStore store = new TransientNio2BlobStore();
        store.createContainer(bucket);
        S3Proxy server = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .build();
        server.start();
        if (!"STARTED".equals(server.getState()) || server.getPort() <= 0) {
            throw new IllegalStateException("s3proxy did not start: " + server.getState());
        }
        S3TestBucket b = new S3TestBucket(bucket, store, server, conf);
        b.set("endpoint.region", "us-east-1");
        b.set("path.style.access", "true");
        b.set("connection.ssl.enabled", "false");
        b.set("aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        b.set("access.key", accessKey);
        b.set("secret.key", secretKey);
        b.set("retry.interval", "50ms");
        b.set(
                "buffer.dir",
                Fixtures.tempDir("s3a-buffer-" + bucket + "-").toAbsolutePath().toString());
        return b;
    }

    /** The port s3proxy listens on. */
    public int serverPort() {
        return server.getPort();
    }

    /** Points s3a at http://127.0.0.1:port for this bucket. */
    public S3TestBucket endpoint(int port) {
        return set("endpoint", "http://127.0.0.1:" + port);
    }

    /** Sets fs.s3a.bucket.BUCKET.key (removed again by close). */
    public S3TestBucket set(String key, String value) {
        String k = "fs.s3a.bucket." + bucket + "." + key;
        conf.set(k, value);
        keys.add(k);
        return this;
    }

    @Override
    public void close() throws Exception {
        try {
            FileSystem.get(URI.create("s3a://" + bucket + "/"), conf).close();
        } catch (IOException e) {
            // nothing cached, or already closed
        } finally {
            keys.forEach(conf::unset);
            try {
                server.stop();
            } finally {
                store.close();
            }
        }
    }
}
