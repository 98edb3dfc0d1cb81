package org.sparkresnet.data.image;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkresnet.data.DataPrepException;
import org.sparkresnet.data.SkippedFile;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.data.shard.ShardFormat;

import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One shard for an executor: decode its images (names travel, pixels never reach the driver) and write them as one
 * uint8 shard file. A bad image fails the task with a message naming the file, or with {@code skipBad} is left out
 * and reported back.
 */
public record ImageShardTask(int shardIndex, String splitDirUri, List<ImageFile> files, ImagePreprocessing preprocessing,
                             int numClasses, boolean skipBad) implements Serializable {

    /** What a task wrote: {@code fileName} is null when every one of its images was skipped. */
    public record Written(int shardIndex, String fileName, int examples, long bytes, long[] countsPerClass,
                          List<SkippedFile> skipped) implements Serializable {
    }

    public ImageShardTask {
        files = List.copyOf(files);
    }

    public Written write(Configuration conf) {
        ImageDecoder decoder = new ImageDecoder(preprocessing);
        int bytesPerImage = decoder.bytesPerImage();
        byte[] pixels = new byte[Math.multiplyExact(files.size(), bytesPerImage)];
        int[] labels = new int[files.size()];
        long[] counts = new long[numClasses];
        List<SkippedFile> skipped = new ArrayList<>();
        int n = 0;
        for (ImageFile file : files) {
            try {
                decoder.decodeInto(read(file, conf), pixels, n * bytesPerImage);
            } catch (BadImageException e) {
                if (!skipBad) {
                    throw new DataPrepException(file.uri() + ": " + e.getMessage() + " (pass --skip-bad to leave such files out)");
                }
                skipped.add(new SkippedFile(file.uri(), e.getMessage()));
                continue;
            }
            labels[n++] = file.label();
            counts[file.label()]++;
        }
        if (n == 0) {
            return new Written(shardIndex, null, 0, 0, counts, skipped);
        }
        String name = ShardFormat.fileName(shardIndex);
        Path target = new Path(splitDirUri, name);
        try {
            // straight from the decode buffer: its first n images are the ones kept
            long bytes = ShardFormat.write(pixels, Arrays.copyOf(labels, n), preprocessing.shape(), HadoopFiles.fileSystem(target, conf), target);
            return new Written(shardIndex, name, n, bytes, counts, skipped);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write shard " + target + ": " + e.getMessage(), e);
        }
    }

    /** The whole file, as long as the listing said; a shorter file means it changed since, which is bad input. */
    private static byte[] read(ImageFile file, Configuration conf) throws BadImageException {
        Path path = new Path(file.uri());
        FileSystem fs = HadoopFiles.fileSystem(path, conf);
        byte[] data = new byte[Math.toIntExact(file.length())];
        try (FSDataInputStream in = fs.open(path)) {
            in.readFully(data); // sequential: positional reads go through the checksum layer in small pieces
        } catch (EOFException e) {
            throw new BadImageException("shorter than the " + file.length() + " bytes listed: changed while preparing");
        } catch (IOException e) {
            // an I/O failure is not the image's fault: fail the task so Spark retries it
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        return data;
    }
}
