package org.crest.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.io.compress.BlockDecompressorStream;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.Decompressor;
import org.apache.hadoop.io.compress.Lz4Codec;
import org.apache.hadoop.io.compress.SnappyCodec;

/**
 * Hadoop's block-compressed streams (.snappy, .lz4) read strictly. Hadoop's own {@link BlockDecompressorStream} takes
 * a block cut short for the end of the data, so a truncated .snappy file, or a plain text file named .snappy, reads as
 * fewer records (or none) without an error: the ledger, counted from the same stream, agreed, and the records were
 * lost with exit 0. Here a chunk whose length is negative or longer than what is left of the file, or that ends
 * before its bytes do, is an {@link IOException} naming the problem, which {@link FileCheck} reports as
 * {@code corrupt_compressed}.
 */
final class StrictBlockStream extends BlockDecompressorStream {
    private final Counting raw;
    private final long length;
    private final String codec;

    private StrictBlockStream(Counting raw, Decompressor d, long length, String codec) throws IOException {
        super(raw, d, 64 << 10);
        this.raw = raw;
        this.length = length;
        this.codec = codec;
    }

    /**
     * The decompressed stream of {@code in} (a file of {@code length} bytes, -1 when unknown): strict for Hadoop's
     * block codecs, the codec's own stream for the others.
     */
    static InputStream open(CompressionCodec codec, InputStream in, long length) throws IOException {
        if (codec instanceof SnappyCodec || codec instanceof Lz4Codec) {
            return new StrictBlockStream(
                    new Counting(in),
                    codec.createDecompressor(),
                    length,
                    codec.getDefaultExtension().substring(1));
        }
        return codec.createInputStream(in);
    }

    @Override
    protected int getCompressedData() throws IOException {
        checkStream();
        long at = raw.count;
        int b1 = raw.read();
        int b2 = raw.read();
        int b3 = raw.read();
        int b4 = raw.read();
        if ((b1 | b2 | b3 | b4) < 0) {
            throw new IOException("a " + codec + " block ends at byte " + at + " before its data: truncated, or not "
                    + "Hadoop " + codec + " data (a file of the snappy or lz4 command is another format)");
        }
        int len = (b1 << 24) + (b2 << 16) + (b3 << 8) + b4;
        long left = length >= 0 ? length - raw.count : Long.MAX_VALUE;
        if (len < 0 || len > left || len > JsonRecords.MAX_LINE_BYTES) {
            throw new IOException("a " + codec + " block at byte " + at + " says it holds " + (len & 0xffffffffL)
                    + " compressed bytes" + (length >= 0 ? " but only " + left + " are left" : "")
                    + ": truncated, or not Hadoop " + codec + " data");
        }
        if (len > buffer.length) {
            buffer = new byte[len];
        }
        int n = 0;
        while (n < len) {
            int r = raw.read(buffer, n, len - n);
            if (r < 0) {
                throw new IOException("a " + codec + " block at byte " + at + " is cut short after " + n + " of its "
                        + len + " bytes: truncated");
            }
            n += r;
        }
        return len;
    }

    /** Counts the bytes read through it. */
    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = in.skip(n);
            count += Math.max(0, s);
            return s;
        }
    }
}
