package org.sparkresnet.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;

import java.nio.file.Files;

/** {@link TrainingStoreContract} on a real HDFS: an in-process MiniDFSCluster (a name node and one data node); every path an hdfs:// URI. */
class HdfsTrainingStoreTest extends TrainingStoreContract {
    private java.nio.file.Path baseDir;
    private MiniDFSCluster hdfs;
    private String uri;

    @Override
    void startStore(Configuration sparkConf) throws Exception {
        baseDir = Files.createTempDirectory("jobs-minidfs");
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        uri = hdfs.getFileSystem().getUri().toString();
    }

    @Override
    Path root() {
        return new Path(uri, "/jobs-test");
    }

    @Override
    void stopStore() throws Exception {
        if (hdfs != null) {
            hdfs.shutdown(true);
        }
        if (baseDir != null && Files.exists(baseDir)) { // shutdown(true) normally deletes it
            try (var files = Files.walk(baseDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
