package org.sparkresnet.jobs.infer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.model.record.ModelRecord;
import org.sparkresnet.model.record.ModelRecordZip;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models an executor JVM has loaded, each read once per JVM however many tasks use it, keyed by URI, modification
 * time and length (a model replaced at the same URI is read again). A ComputationGraph must not run output() from
 * several threads at once, so every task borrows its own copy (a clone of the loaded network) and gives it back when
 * it ends; an executor running N tasks at once holds at most N copies.
 */
public final class ModelCache {
    private static final Map<Key, Loaded> LOADED = new ConcurrentHashMap<>();
    private static final AtomicInteger READS = new AtomicInteger();

    private ModelCache() {
    }

    record Key(String uri, long modificationTime, long length) {
    }

    /** A loaded model: its record and the copies idle for the next task. */
    public static final class Loaded {
        private final ComputationGraph template;
        private final ModelRecord record;
        private final Queue<ComputationGraph> idle = new ConcurrentLinkedQueue<>();
        private final AtomicInteger copies = new AtomicInteger();

        Loaded(ComputationGraph template, ModelRecord record) {
            this.template = template;
            this.record = record;
        }

        public ModelRecord record() {
            return record;
        }

        /** A copy of the network for this thread alone; give it back with {@link #giveBack}. */
        public ComputationGraph borrow() {
            ComputationGraph net = idle.poll();
            if (net != null) {
                return net;
            }
            copies.incrementAndGet();
            return template.clone();
        }

        public void giveBack(ComputationGraph net) {
            idle.add(net);
        }

        /** How many copies were made so far (tests, and the jobs' note on memory). */
        public int copies() {
            return copies.get();
        }
    }

    /** How many model zips this JVM has read so far. */
    public static int reads() {
        return READS.get();
    }

    /**
     * The model at {@code uri} (with its {@link ModelRecord}; a zip without one is refused), loaded unless this JVM
     * already holds the same file.
     *
     * @throws IllegalArgumentException when there is no model there, or it has no record
     */
    public static Loaded get(String uri, Configuration conf) {
        Path path = new Path(uri);
        FileStatus status;
        try {
            status = HadoopFiles.fileSystem(path, conf).getFileStatus(path);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("no model at " + uri + ": expected a model zip written by the train job");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + uri + ": " + e.getMessage(), e);
        }
        Key key = new Key(status.getPath().toString(), status.getModificationTime(), status.getLen());
        Loaded loaded = LOADED.get(key);
        if (loaded != null) {
            return loaded;
        }
        synchronized (ModelCache.class) { // tasks starting together on one executor wait for one load
            loaded = LOADED.get(key);
            if (loaded == null) {
                LOADED.keySet().removeIf(old -> old.uri().equals(key.uri())); // a replaced file: forget the old copy
                ModelRecordZip.SavedModel saved = ModelStore.loadRequiringRecord(path, conf);
                READS.incrementAndGet();
                loaded = new Loaded(saved.network(), saved.record().orElseThrow());
                LOADED.put(key, loaded);
            }
            return loaded;
        }
    }
}
