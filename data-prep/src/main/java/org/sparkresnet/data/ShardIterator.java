package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.sparkresnet.data.shard.Minibatches;
import org.sparkresnet.data.shard.Normalization;
import org.sparkresnet.data.shard.ShardFormat;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Iterates a prepared split on the driver in file order, in minibatches of exactly {@code batchSize} (only the last
 * can be smaller); batches span shard boundaries. Holds one raw shard in memory at a time. DataSetIterator is
 * Serializable by inheritance, but this one lives on the driver and is not meant to be shipped to executors.
 */
final class ShardIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;

    private final String splitDirUri;
    private final SplitManifest manifest;
    private final transient Configuration conf;
    private final int batchSize;
    private final Normalization normalization;
    private DataSetPreProcessor preProcessor;

    private int nextShard;
    private DataSet currentShard;
    private byte[] currentPixels;
    private int[] currentOrder;
    private int positionInShard;

    ShardIterator(String splitDirUri, SplitManifest manifest, Configuration conf, int batchSize) {
        this.splitDirUri = splitDirUri;
        this.manifest = manifest;
        this.conf = conf;
        this.batchSize = batchSize;
        this.normalization = Normalization.of(manifest.spec());
    }

    @Override
    public boolean hasNext() {
        return currentShard != null && positionInShard < currentShard.numExamples() || nextShard < manifest.shards().size();
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("no more minibatches in " + splitDirUri);
        }
        List<DataSet> parts = new ArrayList<>();
        int wanted = num;
        while (wanted > 0 && hasNext()) {
            if (currentShard == null || positionInShard >= currentShard.numExamples()) {
                loadShard(nextShard++);
            }
            int take = Math.min(wanted, currentShard.numExamples() - positionInShard);
            parts.add(Minibatches.decode(currentShard, currentPixels, currentOrder, positionInShard, positionInShard + take, normalization));
            positionInShard += take;
            wanted -= take;
        }
        DataSet batch = parts.size() == 1 ? parts.get(0) : DataSet.merge(parts);
        if (preProcessor != null) {
            preProcessor.preProcess(batch);
        }
        return batch;
    }

    private void loadShard(int index) {
        currentShard = ShardFormat.read(new Path(splitDirUri, manifest.shards().get(index)), conf);
        currentPixels = Minibatches.pixelBytes(currentShard);
        currentOrder = Minibatches.inOrder(currentShard.numExamples());
        positionInShard = 0;
    }

    @Override
    public int inputColumns() {
        return manifest.shape().channels() * manifest.shape().height() * manifest.shape().width();
    }

    @Override
    public int totalOutcomes() {
        return manifest.numClasses();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    @Override
    public void reset() {
        nextShard = 0;
        currentShard = null;
        currentPixels = null;
        currentOrder = null;
        positionInShard = 0;
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return manifest.labelNames();
    }
}
