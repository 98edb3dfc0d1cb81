package org.sparkresnet.data.fs;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Paths are qualified on the driver, so executors in other working directories mean the same files. */
class HadoopFilesQualifyTest {
    private static final Configuration CONF = new Configuration();

    @Test
    void relativeLocalPathsBecomeAbsoluteFileUris() {
        String cwd = Path.of("").toAbsolutePath().toUri().getPath();
        assertEquals("file:" + cwd + "runs/quickstart/data", HadoopFiles.qualify("runs/quickstart/data", CONF));
        assertEquals("file:/data/fashion", HadoopFiles.qualify("/data/fashion", CONF));
        assertEquals("file:/data/fashion", HadoopFiles.qualify("file:///data/fashion", CONF));
    }

    @Test
    void pathsWithTheirOwnFileSystemKeepIt() {
        assertEquals("hdfs://namenode:8020/datasets/imagenet", HadoopFiles.qualify("hdfs://namenode:8020/datasets/imagenet", CONF));
    }

    @Test
    void aPathWithoutSchemeTakesTheDefaultFileSystem() {
        Configuration conf = new Configuration(CONF);
        conf.set("fs.defaultFS", "hdfs://namenode:8020");
        assertEquals("hdfs://namenode:8020/datasets/imagenet", HadoopFiles.qualify("/datasets/imagenet", conf));
    }
}
