package org.sparkresnet.data.stream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.DataPrepException;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.data.shard.Augmentation;
import org.sparkresnet.data.shard.Minibatches;
import org.sparkresnet.data.shard.Normalization;
import org.sparkresnet.data.shard.ShardLayout;
import org.sparkresnet.model.InputShape;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * Turns minibatch references into float minibatches where the training runs: for each {@link MinibatchRef} one
 * positioned read per example range, then decoding (augmentation and normalisation) as {@link Minibatches} does.
 * Holds only the minibatch being built: memory does not grow with the dataset.
 *
 * <p>Shard layouts (header offsets and labels, a few bytes per example) are kept in a bounded JVM-wide cache, since
 * every round of parameter averaging is a new task over the same shards; open streams are kept per reader (bounded)
 * and closed with it.
 */
public final class MinibatchReader implements Closeable {
    private static final int OPEN_STREAMS = 16;
    private static final int CACHED_LAYOUTS = 4096;
    private static final Map<String, ShardLayout> LAYOUTS = Collections.synchronizedMap(new Lru<>(CACHED_LAYOUTS, null));

    private final List<String> shardFiles;
    private final Configuration conf;
    private final Normalization normalization;
    private final Augmentation augmentation;
    private final String datasetVersion;
    private final Map<Integer, FSDataInputStream> streams = new Lru<>(OPEN_STREAMS, MinibatchReader::closeQuietly);

    /**
     * @param augmentation   null for none
     * @param datasetVersion tells apart datasets prepared again at the same path (cached layouts are kept per version)
     */
    public MinibatchReader(List<String> shardFiles, Configuration conf, Normalization normalization, Augmentation augmentation,
                           String datasetVersion) {
        this.shardFiles = shardFiles;
        this.datasetVersion = datasetVersion;
        this.conf = conf;
        this.normalization = normalization;
        this.augmentation = augmentation;
    }

    /** Reads and decodes one minibatch. */
    public synchronized DataSet read(MinibatchRef ref) {
        Pixels raw = fetch(ref);
        return Minibatches.decode(raw.bytes, raw.sources, raw.classes, raw.shape, normalization, augmentation, new Random(ref.augmentSeed()));
    }

    /** Only the reads of {@link #read}: the minibatch's uint8 pixels, examples one after another (for benchmarks). */
    public synchronized byte[] readPixels(MinibatchRef ref) {
        return fetch(ref).bytes;
    }

    /** A minibatch's raw examples: the pixel bytes, where each example starts and its class. */
    private record Pixels(byte[] bytes, int[] sources, int[] classes, InputShape shape) {
    }

    private Pixels fetch(MinibatchRef ref) {
        int n = ref.examples();
        ShardLayout first = layout(ref.ranges().get(0).shard());
        InputShape shape = first.shape();
        int exampleBytes = first.exampleBytes();
        byte[] pixels = new byte[Math.multiplyExact(n, exampleBytes)];
        int[] sources = new int[n];
        int[] classes = new int[n];
        int at = 0;
        for (ExampleRange range : ref.ranges()) {
            ShardLayout layout = layout(range.shard());
            if (!layout.shape().equals(shape)) {
                throw new DataPrepException(layout.file() + " holds " + layout.shape() + " examples, " + first.file() + " " + shape
                        + ": the shards of one split must agree");
            }
            layout.readExamples(stream(range.shard()), range.from(), range.to(), pixels, at * exampleBytes);
            for (int e = range.from(); e < range.to(); e++, at++) {
                sources[at] = at * exampleBytes;
                classes[at] = layout.classIndex(e);
            }
        }
        return new Pixels(pixels, sources, classes, shape);
    }

    /** The minibatches of {@code refs}, read one at a time as the iterator advances; closes the streams at the end. */
    public Iterator<DataSet> iterator(Iterator<MinibatchRef> refs) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                boolean more = refs.hasNext();
                if (!more) {
                    close();
                }
                return more;
            }

            @Override
            public DataSet next() {
                if (!refs.hasNext()) {
                    throw new NoSuchElementException();
                }
                return read(refs.next());
            }
        };
    }

    private ShardLayout layout(int shard) {
        String file = shardFile(shard);
        String key = file + "@" + datasetVersion;
        ShardLayout cached = LAYOUTS.get(key);
        if (cached != null) {
            return cached;
        }
        Path path = new Path(file);
        try {
            FileSystem fs = HadoopFiles.fileSystem(path, conf);
            ShardLayout layout = ShardLayout.read(path, stream(shard), fs.getFileStatus(path).getLen());
            LAYOUTS.put(key, layout);
            return layout;
        } catch (IOException e) {
            throw new DataPrepException(file + ": cannot read shard: " + e.getMessage(), e);
        }
    }

    private FSDataInputStream stream(int shard) {
        FSDataInputStream open = streams.get(shard);
        if (open != null) {
            return open;
        }
        Path path = new Path(shardFile(shard));
        try {
            FSDataInputStream in = HadoopFiles.fileSystem(path, conf).open(path);
            streams.put(shard, in);
            return in;
        } catch (IOException e) {
            throw new DataPrepException(path + ": cannot open shard: " + e.getMessage(), e);
        }
    }

    private String shardFile(int shard) {
        if (shard >= shardFiles.size()) {
            throw new IllegalArgumentException("shard " + shard + " asked for, the split has " + shardFiles.size());
        }
        return shardFiles.get(shard);
    }

    /** Closes the open streams; synchronized with reads, since a task's completion listener may call it from its own thread. */
    @Override
    public synchronized void close() {
        new ArrayList<>(streams.values()).forEach(MinibatchReader::closeQuietly);
        streams.clear();
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // a read-only stream: nothing is lost if closing it fails
        }
    }

    /** A map that drops (and hands to {@code onEvict}) its least recently used entry beyond {@code capacity}. */
    private static final class Lru<K, V> extends LinkedHashMap<K, V> {
        private final int capacity;
        private final java.util.function.Consumer<V> onEvict;

        Lru(int capacity, java.util.function.Consumer<V> onEvict) {
            super(16, 0.75f, true);
            this.capacity = capacity;
            this.onEvict = onEvict;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
            boolean evict = size() > capacity;
            if (evict && onEvict != null) {
                onEvict.accept(eldest.getValue());
            }
            return evict;
        }
    }
}
