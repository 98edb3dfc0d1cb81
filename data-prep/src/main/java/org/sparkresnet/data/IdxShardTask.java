package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.data.idx.IdxImagesFile;
import org.sparkresnet.data.idx.IdxReader;
import org.sparkresnet.data.shard.ShardFormat;
import org.sparkresnet.model.InputShape;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One shard for an executor to write: images {@code first .. first+count-1} read from the IDX images file, with their
 * labels (already checked on the driver, one byte each) carried along.
 */
record IdxShardTask(int shardIndex, String splitDirUri, IdxImagesFile images, long first, byte[] labels)
        implements Serializable {

    /** What a task wrote. */
    record WrittenShard(int shardIndex, String fileName, int examples, long bytes) implements Serializable {
    }

    WrittenShard write(Configuration conf) {
        return write(IdxReader.readImages(images, conf, first, labels.length), conf);
    }

    /**
     * Writes consecutive shards (each starting where the previous ends) reading the images file once: the work of one
     * Spark task. For .gz inputs this keeps the total decompression near one pass per task instead of one per shard.
     */
    static List<WrittenShard> writeConsecutive(List<IdxShardTask> run, Configuration conf) {
        for (int i = 1; i < run.size(); i++) {
            IdxShardTask previous = run.get(i - 1);
            if (run.get(i).first != previous.first + previous.labels.length) {
                throw new IllegalArgumentException("shards " + previous.shardIndex + " and " + run.get(i).shardIndex + " are not consecutive");
            }
        }
        List<WrittenShard> written = new ArrayList<>();
        if (run.isEmpty()) {
            return written;
        }
        int[] counts = run.stream().mapToInt(task -> task.labels.length).toArray();
        IdxReader.readConsecutive(run.get(0).images, conf, run.get(0).first, counts,
                (index, first, pixels) -> written.add(run.get(index).write(pixels, conf)));
        return written;
    }

    private WrittenShard write(byte[] pixels, Configuration conf) {
        // IDX images are single-channel: [n, rows, cols] is already NCHW with c = 1
        InputShape shape = new InputShape(1, images.rows(), images.cols());
        String name = ShardFormat.fileName(shardIndex);
        Path file = new Path(splitDirUri, name);
        try {
            long bytes = ShardFormat.write(pixels, ShardFormat.classIndices(labels), shape, HadoopFiles.fileSystem(file, conf), file);
            return new WrittenShard(shardIndex, name, labels.length, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write shard " + file + ": " + e.getMessage(), e);
        }
    }
}
